package realtime

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Engine.IO 4 packet types, as their one-character wire codes.
const (
	eioOpen    byte = '0'
	eioClose   byte = '1'
	eioPing    byte = '2'
	eioPong    byte = '3'
	eioMessage byte = '4'
	eioUpgrade byte = '5'
	eioNoop    byte = '6'
)

// recordSeparator separates the packets of an HTTP long-polling payload.
const recordSeparator = '\x1e'

// packet is one Engine.IO packet. A binary packet is a message whose data
// is raw bytes: a binary WebSocket frame, or "b" + base64 in a polling
// payload.
type packet struct {
	typ    byte
	data   []byte
	binary bool
}

// size is what the packet costs in a send queue.
func (p packet) size() int { return len(p.data) + 1 }

// encodePayload joins packets into one long-polling response body.
func encodePayload(pkts []packet) []byte {
	n := 0
	for _, p := range pkts {
		n += p.size() + 1
		if p.binary {
			n += len(p.data) / 2
		}
	}
	out := make([]byte, 0, n)
	for i, p := range pkts {
		if i > 0 {
			out = append(out, recordSeparator)
		}
		if p.binary {
			out = append(out, 'b')
			out = base64.StdEncoding.AppendEncode(out, p.data)
			continue
		}
		out = append(out, p.typ)
		out = append(out, p.data...)
	}
	return out
}

// decodePayload splits a long-polling request body into packets.
func decodePayload(body []byte) ([]packet, error) {
	if len(body) == 0 {
		return nil, errors.New("empty payload")
	}
	var pkts []packet
	for _, rec := range bytes.Split(body, []byte{recordSeparator}) {
		if len(rec) == 0 {
			return nil, errors.New("empty packet")
		}
		if rec[0] == 'b' {
			data, err := base64.StdEncoding.DecodeString(string(rec[1:]))
			if err != nil {
				return nil, fmt.Errorf("binary packet: %w", err)
			}
			pkts = append(pkts, packet{typ: eioMessage, data: data, binary: true})
			continue
		}
		if rec[0] < eioOpen || rec[0] > eioNoop {
			return nil, fmt.Errorf("unknown packet type %q", rec[0])
		}
		pkts = append(pkts, packet{typ: rec[0], data: rec[1:]})
	}
	return pkts, nil
}

// Socket.IO 5 (the protocol of socket.io 3 and 4) packet types.
const (
	sioConnect      byte = '0'
	sioDisconnect   byte = '1'
	sioEvent        byte = '2'
	sioAck          byte = '3'
	sioConnectError byte = '4'
	sioBinaryEvent  byte = '5'
	sioBinaryAck    byte = '6'
)

// maxAttachments bounds the binary attachments of one incoming packet.
const maxAttachments = 64

// sioPacket is a decoded Socket.IO packet. data holds JSON decoded with
// json.Number for numbers; in a binary packet, once its attachments have
// arrived, placeholders are replaced by Binary values.
type sioPacket struct {
	typ         byte
	nsp         string
	ackID       int64 // -1: none
	attachments int
	data        any
	hasData     bool
}

// decodeSIO parses a Socket.IO packet from a client and checks it.
func decodeSIO(s []byte) (sioPacket, error) {
	p, err := parseSIO(s)
	if err != nil {
		return p, err
	}
	return p, p.validate()
}

// parseSIO parses the text form of a Socket.IO packet:
// type [attachments "-"] [nsp ","] [ack id] [JSON].
func parseSIO(s []byte) (sioPacket, error) {
	p := sioPacket{nsp: "/", ackID: -1}
	if len(s) == 0 {
		return p, errors.New("empty packet")
	}
	p.typ = s[0]
	if p.typ < sioConnect || p.typ > sioBinaryAck {
		return p, fmt.Errorf("unknown packet type %q", p.typ)
	}
	i := 1
	if p.typ == sioBinaryEvent || p.typ == sioBinaryAck {
		start := i
		for i < len(s) && s[i] != '-' {
			i++
		}
		n, err := strconv.Atoi(string(s[start:i]))
		if err != nil || i >= len(s) || n < 0 {
			return p, errors.New("illegal attachments")
		}
		if n > maxAttachments {
			return p, fmt.Errorf("%d attachments, more than %d", n, maxAttachments)
		}
		p.attachments = n
		i++
	}
	if i < len(s) && s[i] == '/' {
		start := i
		for i < len(s) && s[i] != ',' {
			i++
		}
		p.nsp = string(s[start:i])
		if i < len(s) {
			i++
		}
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > start {
		id, err := strconv.ParseInt(string(s[start:i]), 10, 64)
		if err != nil {
			return p, errors.New("illegal ack id")
		}
		p.ackID = id
	}
	if i < len(s) {
		dec := json.NewDecoder(bytes.NewReader(s[i:]))
		dec.UseNumber()
		if err := dec.Decode(&p.data); err != nil {
			return p, fmt.Errorf("invalid payload: %w", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return p, errors.New("invalid payload: trailing data")
		}
		p.hasData = true
	}
	return p, nil
}

// reservedEvents are the event names socket.io's parser refuses in an
// EVENT packet, on both sides: a server must not emit them either.
func reservedEvent(name string) bool {
	switch name {
	case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}

// validate applies socket.io-parser's payload rules for what a client may send.
func (p sioPacket) validate() error {
	switch p.typ {
	case sioConnect:
		if _, ok := p.data.(map[string]any); p.hasData && !ok {
			return errors.New("invalid payload: CONNECT wants an object")
		}
	case sioDisconnect:
		if p.hasData {
			return errors.New("invalid payload: DISCONNECT has none")
		}
	case sioEvent, sioBinaryEvent:
		args, ok := p.data.([]any)
		if !ok || len(args) == 0 {
			return errors.New("invalid payload: EVENT wants an array")
		}
		switch name := args[0].(type) {
		case json.Number:
		case string:
			if reservedEvent(name) {
				return errors.New("invalid payload: reserved event name")
			}
		default:
			return errors.New("invalid payload: EVENT wants a name")
		}
	case sioAck, sioBinaryAck:
		if _, ok := p.data.([]any); !ok {
			return errors.New("invalid payload: ACK wants an array")
		}
	case sioConnectError:
		return errors.New("CONNECT_ERROR is sent by servers only")
	}
	return nil
}

// Binary is binary data in an event: a Buffer a client sent (Socket.IO
// carries it as an attachment) and which is relayed as binary again. It
// marshals to JSON as Node's Buffer does: {"type":"Buffer","data":[...]}.
type Binary []byte

// MarshalJSON renders the bytes as Node's Buffer.prototype.toJSON does.
func (b Binary) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, len(b)*4+32)
	out = append(out, `{"type":"Buffer","data":[`...)
	for i, c := range b {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendUint(out, uint64(c), 10)
	}
	return append(out, "]}"...), nil
}

// reconstruct replaces the placeholders of a binary packet by its
// attachments, each at most once: a packet naming one buffer a thousand
// times would otherwise cost a thousand copies downstream (socket.io's
// own encoder never names one twice).
func reconstruct(v any, atts [][]byte) (any, error) {
	return reconstructOnce(v, atts, make([]bool, len(atts)))
}

func reconstructOnce(v any, atts [][]byte, used []bool) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if ph, ok := x["_placeholder"].(bool); ok && ph {
			n, ok := x["num"].(json.Number)
			if !ok {
				return nil, errors.New("placeholder without num")
			}
			i, err := n.Int64()
			if err != nil || i < 0 || i >= int64(len(atts)) {
				return nil, errors.New("placeholder out of range")
			}
			if used[i] {
				return nil, errors.New("an attachment named twice")
			}
			used[i] = true
			return Binary(atts[i]), nil
		}
		for k, e := range x {
			r, err := reconstructOnce(e, atts, used)
			if err != nil {
				return nil, err
			}
			x[k] = r
		}
	case []any:
		for i, e := range x {
			r, err := reconstructOnce(e, atts, used)
			if err != nil {
				return nil, err
			}
			x[i] = r
		}
	}
	return v, nil
}

// deconstruct copies v, replacing each Binary with a placeholder and
// collecting the bytes. Only maps and slices of decoded JSON are walked;
// other values are left to encoding/json.
func deconstruct(v any, atts *[][]byte) any {
	switch x := v.(type) {
	case Binary:
		*atts = append(*atts, x)
		return map[string]any{"_placeholder": true, "num": len(*atts) - 1}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deconstruct(e, atts)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deconstruct(e, atts)
		}
		return out
	}
	return v
}

// encodeSIO renders a Socket.IO packet for the "/" namespace as the
// Engine.IO message packets that carry it: the text packet, then one
// binary packet per attachment.
func encodeSIO(typ byte, ackID int64, data any) ([]packet, error) {
	var atts [][]byte
	if data != nil {
		data = deconstruct(data, &atts)
	}
	if len(atts) > 0 {
		switch typ {
		case sioEvent:
			typ = sioBinaryEvent
		case sioAck:
			typ = sioBinaryAck
		}
	}
	var buf bytes.Buffer
	buf.WriteByte(typ)
	if len(atts) > 0 {
		buf.WriteString(strconv.Itoa(len(atts)))
		buf.WriteByte('-')
	}
	if ackID >= 0 {
		buf.WriteString(strconv.FormatInt(ackID, 10))
	}
	if data != nil {
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(data); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	pkts := []packet{{typ: eioMessage, data: buf.Bytes()}}
	for _, a := range atts {
		pkts = append(pkts, packet{typ: eioMessage, data: a, binary: true})
	}
	return pkts, nil
}
