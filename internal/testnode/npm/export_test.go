package npm

var (
	ExtractForTest       = extract
	ParseArtifactForTest = parseArtifact
)
