package cfonb120

import (
	"errors"
	"fmt"
)

// amountLen is the width of an amount zone: 13 digits and the overpunched
// last digit.
const amountLen = 14

// overpunch decodes the last character of an amount: its digit and whether
// the amount is negative ('{' and 'A'–'I' positive 0–9, '}' and 'J'–'R'
// negative 0–9).
func overpunch(c byte) (digit int64, negative, ok bool) {
	switch {
	case c == '{':
		return 0, false, true
	case c == '}':
		return 0, true, true
	case c >= 'A' && c <= 'I':
		return int64(c-'A') + 1, false, true
	case c >= 'J' && c <= 'R':
		return int64(c-'J') + 1, true, true
	}
	return 0, false, false
}

// errAmountSpace is the cause parseAmount gives for a space inside the
// amount, which lenient mode reads as a zero.
var errAmountSpace = errors.New("space inside the amount")

// parseAmount reads a 14-character amount zone with dec decimals and
// returns its absolute value in minor units of a currency with exp decimals,
// and its sign. With lenient set, spaces among the 13 digits read as zeros
// and spaced reports it.
func parseAmount(f []byte, dec, exp int, lenient bool) (abs int64, negative, spaced bool, err error) {
	if len(f) != amountLen {
		return 0, false, false, fmt.Errorf("amount %q is not 13 digits and a sign character", f)
	}
	var v int64
	for _, c := range f[:amountLen-1] {
		switch {
		case c >= '0' && c <= '9':
			v = v*10 + int64(c-'0')
		case c == ' ' && lenient:
			v *= 10
			spaced = true
		case c == ' ':
			return 0, false, false, fmt.Errorf("%w %q", errAmountSpace, f)
		default:
			return 0, false, false, fmt.Errorf("amount %q: %q is not a digit", f, c)
		}
	}
	d, negative, ok := overpunch(f[amountLen-1])
	if !ok {
		return 0, false, false, fmt.Errorf("amount %q: bad sign character %q (want '{', 'A'-'I', '}' or 'J'-'R')", f, f[amountLen-1])
	}
	v = v*10 + d
	v, err = rescale(v, dec, exp)
	if err != nil {
		return 0, false, false, fmt.Errorf("amount %q: %w", f, err)
	}
	return v, negative, spaced, nil
}

// rescale converts v, with dec decimals, to exp decimals exactly: it fails
// when digits would be lost or the result overflows.
func rescale(v int64, dec, exp int) (int64, error) {
	for ; dec < exp; dec++ {
		if v > (1<<63-1)/10 {
			return 0, errors.New("overflows 64-bit minor units")
		}
		v *= 10
	}
	for ; dec > exp; dec-- {
		if v%10 != 0 {
			return 0, fmt.Errorf("has more decimals than the currency's %d", exp)
		}
		v /= 10
	}
	return v, nil
}
