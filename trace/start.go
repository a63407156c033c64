package trace

import (
	"context"
	"fmt"
	"time"
)

// BlockTimer is optionally implemented by sources that can tell when a block was
// made, so an address seed's start can be given as a date (--from-block
// 2024-02-21T00:00Z).
type BlockTimer interface {
	// BlockTime returns the block's timestamp in Unix seconds.
	BlockTime(ctx context.Context, block uint64) (int64, error)
}

// resolveStart settles where address seeds start: a date becomes the first
// block at or after it, and a start beyond the tip is refused, since nothing can
// have happened there yet (a zero seed would look like a real answer).
func resolveStart(ctx context.Context, src Source, o *Options, specs []seedSpec, tip uint64) error {
	hasAddr := false
	for _, s := range specs {
		if s.address != "" {
			hasAddr = true
		}
	}
	if !hasAddr {
		return nil
	}
	if !o.FromTime.IsZero() {
		bt := CapabilitiesOf(src).BlockTimes
		if bt == nil {
			return fmt.Errorf("%w: --from-block %s: this data source (%s) cannot tell block times; give the start as a block number", ErrBadInput, fmtTime(o.FromTime), src.Info().Name)
		}
		n, err := FirstBlockAtOrAfter(ctx, bt, o.FromTime, tip)
		if err != nil {
			return err
		}
		o.FromBlock = n
		if o.ToBlock != 0 && o.ToBlock < n {
			return fmt.Errorf("%w: --to-block %d is before --from-block %s (block %d)", ErrBadInput, o.ToBlock, fmtTime(o.FromTime), n)
		}
	}
	if o.FromBlock > tip {
		return fmt.Errorf("%w: --from-block %d is beyond the chain tip %d: nothing has happened there yet (give a block at or below %d, or a date)", ErrBadInput, o.FromBlock, tip, tip)
	}
	return nil
}

// startParams records where address seeds started, block 0 included: "from
// block 0" (the genesis allocation counts) is a real choice, not a default to hide.
func startParams(p map[string]string, o *Options, specs []seedSpec) {
	for _, s := range specs {
		if s.address != "" {
			p["from_block"] = fmt.Sprint(o.FromBlock)
			if !o.FromTime.IsZero() {
				p["from_time"] = fmtTime(o.FromTime)
			}
			return
		}
	}
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// FirstBlockAtOrAfter returns the first block in [0, tip] whose timestamp is at
// or after at, by binary search on block timestamps (about log2(tip) lookups).
// Ethereum block times strictly increase, so the answer is exact there. Bitcoin
// header times may run up to two hours out of order; the search then returns a
// block at or after at whose predecessor is before it, which is the first such
// block unless a miner's clock was off around that time.
func FirstBlockAtOrAfter(ctx context.Context, bt BlockTimer, at time.Time, tip uint64) (uint64, error) {
	want := at.Unix()
	last, err := bt.BlockTime(ctx, tip)
	if err != nil {
		return 0, fmt.Errorf("reading the time of block %d: %w", tip, err)
	}
	if last < want {
		return 0, fmt.Errorf("%w: --from-block %s is after the chain tip: block %d was made at %s; nothing has happened since",
			ErrBadInput, fmtTime(at), tip, fmtTime(time.Unix(last, 0)))
	}
	lo, hi := uint64(0), tip // answer in [lo, hi]; time(hi) >= want
	for lo < hi {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		mid := lo + (hi-lo)/2
		t, err := bt.BlockTime(ctx, mid)
		if err != nil {
			return 0, fmt.Errorf("reading the time of block %d: %w", mid, err)
		}
		if t >= want {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}
