//go:build race

package bench

// raceEnabled is true when the race detector is on; the quality test then
// runs a smaller (still ≥ 2,000 credits) corpus.
const raceEnabled = true
