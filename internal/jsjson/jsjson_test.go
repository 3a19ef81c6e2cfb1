package jsjson

import (
	"math"
	"testing"
)

// The expected values are what Node 20 prints for
// JSON.stringify(JSON.parse(text)) and String(n).
func TestRewrite(t *testing.T) {
	for text, want := range map[string]string{
		`{"a":1.50,"b":1e2,"c":-0,"d":12345678901234567890,"e":1e400,"f":-1e400}`: `{"a":1.5,"b":100,"c":0,"d":12345678901234567000,"e":null,"f":null}`,
		`{"x":1,"x":2}`: `{"x":2}`,
		`{"b":1,"2":2,"a":3,"1":4,"01":5,"x":{"y":1,"y":[1,{"z":true,"z":null}]}}`: `{"1":4,"2":2,"b":1,"a":3,"01":5,"x":{"y":[1,{"z":null}]}}`,
		` [ 1 , "a\u00e9" , null , false , {} , [] ] `:                             `[1,"aé",null,false,{},[]]`,
		`"<&>"`:                 `"<&>"`,
		`0.000001`:              `0.000001`,
		`0.0000001`:             `1e-7`,
		`123e-20`:               `1.23e-18`,
		`1e21`:                  `1e+21`,
		`123456789012345678901`: `123456789012345680000`,
		`4294967295`:            `4294967295`,
	} {
		got, err := Rewrite([]byte(text))
		if err != nil || string(got) != want {
			t.Errorf("%s: %s %v, want %s", text, got, err, want)
		}
	}
	for _, bad := range []string{``, `{`, `[1,]`, `1 2`, `{"a":}`} {
		if _, err := Rewrite([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestNumber(t *testing.T) {
	for f, want := range map[float64]string{
		1: "1", 0.1: "0.1", 100: "100", 1e21: "1e+21", 1.5e300: "1.5e+300", 5e-324: "5e-324",
		123.456: "123.456", -2.5e-7: "-2.5e-7", math.MaxFloat64: "1.7976931348623157e+308", math.NaN(): "null",
	} {
		if got := Number(f); got != want {
			t.Errorf("Number(%v) = %s, want %s", f, got, want)
		}
	}
}
