package casestore

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// KindInputs is the one object holding what a recorded trace ran with besides
// the chain's answers: its options and the label sets it used, with their
// content. Like every object it is content-hashed and under the root hash, so
// a case is self-contained evidence: replayed alone it reproduces the recorded
// result, and a changed label or option is caught by `case verify`.
const KindInputs = "inputs"

// Inputs are a recorded trace's options and label sets.
type Inputs struct {
	// Options: the trace's options by flag name, each with its values (one,
	// or a list's items), as the flags take them.
	Options map[string][]string `json:"options"`
	// Labels are the label sets in the order they were loaded (later ones win).
	Labels []LabelSet `json:"labels"`
}

// LabelSet is one label file as loaded: its name (a path, builtin:…, demo:…),
// the SHA-256 of its content, and the content.
type LabelSet struct {
	Name   string
	SHA256 string
	Data   []byte
}

// labelSetJSON keeps a label file readable in sqlite3: text when it is UTF-8
// (label files are CSV or YAML), base64 otherwise.
type labelSetJSON struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
	Text   string `json:"text,omitempty"`
	Base64 []byte `json:"base64,omitempty"`
}

// NewLabelSet names data and hashes it.
func NewLabelSet(name string, data []byte) LabelSet {
	h := sha256.Sum256(data)
	return LabelSet{Name: name, SHA256: hex.EncodeToString(h[:]), Data: data}
}

func (l LabelSet) MarshalJSON() ([]byte, error) {
	j := labelSetJSON{Name: l.Name, SHA256: l.SHA256, Bytes: len(l.Data)}
	if utf8.Valid(l.Data) {
		j.Text = string(l.Data)
	} else {
		j.Base64 = l.Data
	}
	return json.Marshal(j)
}

func (l *LabelSet) UnmarshalJSON(b []byte) error {
	var j labelSetJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	l.Name, l.SHA256 = j.Name, j.SHA256
	if j.Base64 != nil {
		l.Data = j.Base64
	} else {
		l.Data = []byte(j.Text)
	}
	return nil
}

// PutInputs stores (or, in a case being extended, replaces) the trace's inputs.
func (s *Store) PutInputs(in Inputs) error {
	v, err := canonical(in)
	if err != nil {
		return fmt.Errorf("store the trace's inputs: %w", err)
	}
	if o, err := s.get(KindInputs, ""); err == nil && o != nil && string(o.Value) == string(v) {
		return nil // unchanged: a case that gained nothing stays byte-identical
	}
	return s.put(&object{Kind: KindInputs, Key: "", Value: v})
}

// RecordedInputs returns the inputs a case stores; ok is false for a case
// recorded before cases stored them. Every label set's hash is checked.
func (s *Store) RecordedInputs() (in Inputs, ok bool, err error) {
	o, err := s.get(KindInputs, "")
	if err != nil || o == nil {
		return in, false, err
	}
	if err := json.Unmarshal(o.Value, &in); err != nil {
		return in, false, corrupt(s.path, "the recorded inputs do not decode: "+err.Error())
	}
	for _, l := range in.Labels {
		h := sha256.Sum256(l.Data)
		if got := hex.EncodeToString(h[:]); got != l.SHA256 {
			return in, false, corrupt(s.path, fmt.Sprintf("label set %s: content hash %s does not match the recorded %s", l.Name, got, l.SHA256))
		}
	}
	return in, true, nil
}
