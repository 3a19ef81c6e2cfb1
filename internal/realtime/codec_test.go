package realtime

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeSIO(t *testing.T) {
	for _, tc := range []struct {
		in      string
		typ     byte
		nsp     string
		ack     int64
		atts    int
		data    string // JSON of data, "" for none
		wantErr string
	}{
		{in: `0`, typ: sioConnect, nsp: "/", ack: -1},
		{in: `0{"envId":"dev"}`, typ: sioConnect, nsp: "/", ack: -1, data: `{"envId":"dev"}`},
		{in: `0/admin,{"a":1}`, typ: sioConnect, nsp: "/admin", ack: -1, data: `{"a":1}`},
		{in: `1`, typ: sioDisconnect, nsp: "/", ack: -1},
		{in: `2["join",{"channel":"c"}]`, typ: sioEvent, nsp: "/", ack: -1, data: `["join",{"channel":"c"}]`},
		{in: `212["members",{"channel":"c"}]`, typ: sioEvent, nsp: "/", ack: 12, data: `["members",{"channel":"c"}]`},
		{in: `2/chat,7["x"]`, typ: sioEvent, nsp: "/chat", ack: 7, data: `["x"]`},
		{in: `51-["message",{"_placeholder":true,"num":0}]`, typ: sioBinaryEvent, nsp: "/", ack: -1, atts: 1, data: `["message",{"_placeholder":true,"num":0}]`},
		{in: `3[1]`, typ: sioAck, nsp: "/", ack: -1, data: `[1]`},
		{in: `2[12345678901234567890]`, typ: sioEvent, nsp: "/", ack: -1, data: `[12345678901234567890]`},
		{in: ``, wantErr: "empty"},
		{in: `9`, wantErr: "unknown packet type"},
		{in: `0[1]`, wantErr: "CONNECT wants an object"},
		{in: `0null`, wantErr: "CONNECT wants an object"},
		{in: `1{}`, wantErr: "DISCONNECT"},
		{in: `2{}`, wantErr: "EVENT wants an array"},
		{in: `2[]`, wantErr: "EVENT wants an array"},
		{in: `2[{}]`, wantErr: "EVENT wants a name"},
		{in: `2["connect"]`, wantErr: "reserved"},
		{in: `2["a"] x`, wantErr: "trailing"},
		{in: `2["a"`, wantErr: "invalid payload"},
		{in: `4{"message":"x"}`, wantErr: "servers only"},
		{in: `5x-["a"]`, wantErr: "illegal attachments"},
		{in: `5999-["a"]`, wantErr: "attachments"},
	} {
		p, err := decodeSIO([]byte(tc.in))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		data := ""
		if p.hasData {
			data = jsonString(p.data)
		}
		if p.typ != tc.typ || p.nsp != tc.nsp || p.ackID != tc.ack || p.attachments != tc.atts || data != tc.data {
			t.Errorf("%q: got %c %s ack %d atts %d data %s", tc.in, p.typ, p.nsp, p.ackID, p.attachments, data)
		}
	}
}

func TestEncodeSIO(t *testing.T) {
	pkts, err := encodeSIO(sioEvent, -1, []any{"chat", map[string]any{"html": "<b>&</b>", "n": json.Number("1.50")}})
	if err != nil || len(pkts) != 1 || string(pkts[0].data) != `2["chat",{"html":"<b>&</b>","n":1.50}]` {
		t.Fatalf("%v %+v", err, pkts)
	}
	pkts, err = encodeSIO(sioAck, 3, []any{[]any{map[string]any{"data": Binary{1, 2}}, Binary{3}}})
	if err != nil || len(pkts) != 3 {
		t.Fatalf("%v %+v", err, pkts)
	}
	if got := string(pkts[0].data); got != `62-3[[{"data":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]]` {
		t.Fatalf("binary ack %s", got)
	}
	if !pkts[1].binary || !bytes.Equal(pkts[1].data, []byte{1, 2}) || !bytes.Equal(pkts[2].data, []byte{3}) {
		t.Fatalf("attachments %+v", pkts[1:])
	}
	// Decoding it again gives the bytes back in place.
	p, err := parseSIO(pkts[0].data)
	if err != nil {
		t.Fatal(err)
	}
	data, err := reconstruct(p.data, [][]byte{pkts[1].data, pkts[2].data})
	if err != nil || jsonString(data) != `[[{"data":{"type":"Buffer","data":[1,2]}},{"type":"Buffer","data":[3]}]]` {
		t.Fatalf("%v %s", err, jsonString(data))
	}
	if _, err := reconstruct(map[string]any{"_placeholder": true, "num": json.Number("2")}, [][]byte{{1}}); err == nil {
		t.Fatal("a placeholder out of range was accepted")
	}
}

func TestPayload(t *testing.T) {
	pkts := []packet{{typ: eioMessage, data: []byte("2[\"a\"]")}, {typ: eioMessage, data: []byte{0, 255}, binary: true}, {typ: eioPing}}
	body := encodePayload(pkts)
	if string(body) != "42[\"a\"]\x1ebAP8=\x1e2" {
		t.Fatalf("payload %q", body)
	}
	back, err := decodePayload(body)
	if err != nil || len(back) != 3 || !back[1].binary || !bytes.Equal(back[1].data, []byte{0, 255}) || back[2].typ != eioPing {
		t.Fatalf("%v %+v", err, back)
	}
	for _, bad := range []string{"", "4a\x1e", "x", "b!!"} {
		if _, err := decodePayload([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A packet may name each attachment once: naming one buffer many times
// would multiply it downstream.
func TestAnAttachmentNamedTwiceIsRefused(t *testing.T) {
	twice := []any{
		map[string]any{"_placeholder": true, "num": json.Number("0")},
		map[string]any{"_placeholder": true, "num": json.Number("0")},
	}
	if _, err := reconstruct(twice, [][]byte{{1, 2, 3}}); err == nil {
		t.Fatal("an attachment named twice was taken")
	}
}
