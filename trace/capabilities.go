package trace

// Capabilities is what a source offers beyond its family interface (Source,
// AccountSource or UTXOSource). Each field is one of the small optional
// interfaces this package consumes, nil when the source does not offer it. The
// tracer reads a source's capabilities through CapabilitiesOf and never
// type-asserts the optional interfaces itself, so a wrapper (the case store's
// record, replay and cache) is one type per family that states what it offers,
// instead of one type per combination of optional interfaces.
type Capabilities struct {
	// Contracts tells a contract from an externally owned account (account
	// sources): funds a contract keeps show as a contract endpoint.
	Contracts ContractChecker
	// Warnings are the source's degradation notices, printed with the result.
	Warnings Warner
	// BlockTimes dates blocks: date starts (--from-block 2024-02-21) and the
	// time window of a crossing's destination chain.
	BlockTimes BlockTimer
	// Crossings decodes cross-chain events (account sources).
	Crossings CrossingSource

	// Frontier batching (batch.go): one round trip for many lookups.
	Histories HistoryBatcher
	Balances  BalanceBatcher
	// ContractBatch is used only beside Contracts.
	ContractBatch ContractBatcher
	Spenders      SpenderBatcher
	// TipSeeds reads the tip and fetches the seed transactions in one request.
	TipSeeds TipSeeder
	// Frontier answers a hop level's histories, balances and contract checks
	// together (used beside Histories).
	Frontier FrontierBatcher
	// Preview tells seed transactions' transfers before they are dated, so
	// hop 1 leaves before the seed's header is read (used beside Histories).
	Preview TxPreviewer
}

// Capable is implemented by sources that state their capabilities instead of
// having them read off their method set. Its answer is authoritative: an
// optional interface the source's type happens to implement but Capabilities
// leaves nil is not offered.
type Capable interface {
	Capabilities() Capabilities
}

// CapabilitiesOf returns what src offers: its own statement when it is Capable,
// otherwise each optional interface its method set implements (the adapters'
// way: a concrete type with the methods it can serve).
func CapabilitiesOf(src Source) Capabilities {
	if c, ok := src.(Capable); ok {
		return c.Capabilities()
	}
	var c Capabilities
	c.Contracts, _ = src.(ContractChecker)
	c.Warnings, _ = src.(Warner)
	c.BlockTimes, _ = src.(BlockTimer)
	c.Crossings, _ = src.(CrossingSource)
	c.Histories, _ = src.(HistoryBatcher)
	c.Balances, _ = src.(BalanceBatcher)
	c.ContractBatch, _ = src.(ContractBatcher)
	c.Spenders, _ = src.(SpenderBatcher)
	c.TipSeeds, _ = src.(TipSeeder)
	c.Frontier, _ = src.(FrontierBatcher)
	c.Preview, _ = src.(TxPreviewer)
	return c
}
