package casestore

import (
	"encoding/json"
	"strings"
)

// MetaSeeds is the Meta.Options key the CLI stores a recording's seeds under
// (comma-separated), so `trace --case` can default to them.
const MetaSeeds = "seeds"

// Seeds are the seeds the recording was made with (none when it stores none).
func (s *Store) Seeds() []string {
	var opts map[string]string
	if json.Unmarshal([]byte(s.getMeta(MetaOptions)), &opts) == nil && opts[MetaSeeds] != "" {
		return strings.Split(opts[MetaSeeds], ",")
	}
	return nil
}
