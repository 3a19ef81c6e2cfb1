// Package jsjson rewrites JSON as a JavaScript server stores and answers
// it: JSON.stringify(JSON.parse(text)). Altogic's server is Node: user data
// it is sent comes back with its numbers as JavaScript doubles (1.50 is
// 1.5, 1e400 is null, 12345678901234567890 is 12345678901234567000), a key
// given twice holding its last value, and the keys that are array indices
// first, in ascending order.
package jsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Rewrite answers JSON.stringify(JSON.parse(text)), or an error when text
// is not one JSON value.
func Rewrite(text []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var out bytes.Buffer
	if err := value(dec, &out); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("jsjson: more than one JSON value")
	}
	return out.Bytes(), nil
}

func value(dec *json.Decoder, out *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return array(dec, out)
		}
		return object(dec, out)
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !math.IsInf(f, 0) {
			return err
		}
		out.WriteString(Number(f))
	case string:
		writeString(out, t)
	case bool:
		out.WriteString(strconv.FormatBool(t))
	case nil:
		out.WriteString("null")
	}
	return nil
}

func array(dec *json.Decoder, out *bytes.Buffer) error {
	out.WriteByte('[')
	for i := 0; dec.More(); i++ {
		if i > 0 {
			out.WriteByte(',')
		}
		if err := value(dec, out); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // ]
		return err
	}
	out.WriteByte(']')
	return nil
}

func object(dec *json.Decoder, out *bytes.Buffer) error {
	var keys []string
	values := map[string][]byte{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string)
		var v bytes.Buffer
		if err := value(dec, &v); err != nil {
			return err
		}
		if _, seen := values[key]; !seen {
			keys = append(keys, key)
		}
		values[key] = v.Bytes() // the last one given wins
	}
	if _, err := dec.Token(); err != nil { // }
		return err
	}
	// Array-index keys come first, in ascending order; the others keep the
	// order they were first given in.
	sort.SliceStable(keys, func(i, j int) bool {
		a, aIndex := arrayIndex(keys[i])
		b, bIndex := arrayIndex(keys[j])
		switch {
		case aIndex && bIndex:
			return a < b
		default:
			return aIndex && !bIndex
		}
	})
	out.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			out.WriteByte(',')
		}
		writeString(out, k)
		out.WriteByte(':')
		out.Write(values[k])
	}
	out.WriteByte('}')
	return nil
}

// writeString writes s as a JSON string, <, > and & as themselves, as
// JSON.stringify does.
func writeString(out *bytes.Buffer, s string) {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	out.Truncate(out.Len() - 1) // Encode's newline
}

// arrayIndex reports whether k is a canonical array index (0 to 2³²−2).
func arrayIndex(k string) (uint64, bool) {
	if k == "" || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	return n, err == nil && n < math.MaxUint32
}

// Number writes f as JavaScript's String(f) does, and a non-finite f as
// JSON.stringify does: null.
func Number(f float64) string {
	switch {
	case math.IsInf(f, 0) || math.IsNaN(f):
		return "null"
	case f == 0:
		return "0"
	case f < 0:
		return "-" + Number(-f)
	}
	// The shortest digits that read back as f, and the decimal exponent.
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±x
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1
	switch {
	case k <= n && n <= 21:
		return digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return "0." + strings.Repeat("0", -n) + digits
	}
	sign := "+"
	if n-1 < 0 {
		sign = "-"
	}
	e1 := strconv.Itoa(int(math.Abs(float64(n - 1))))
	if k == 1 {
		return digits + "e" + sign + e1
	}
	return digits[:1] + "." + digits[1:] + "e" + sign + e1
}
