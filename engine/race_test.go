//go:build race

package engine

// raceEnabled: the race detector slows everything several times over, so
// tests that measure memory on large tables run smaller (and the figures
// they report mean less: it also changes what the heap holds).
const raceEnabled = true
