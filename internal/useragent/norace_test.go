//go:build !race

package useragent

// raceEnabled is true under the race detector, which slows the regular
// expressions down about tenfold: the slowest tests then do less.
const raceEnabled = false
