//go:build race

package core

// raceDetector: the race detector slows the simulator about tenfold, so the
// default seed count drops (CI runs thousands of seeds without it).
const raceDetector = true
