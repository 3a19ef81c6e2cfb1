package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/altogic-emulator/altogic-emulator/internal/connguard"
)

// maxHeaderBlock is the largest request line and header block the guard
// lets through: the emulator's own limit (64 KiB, answered by the emulator
// with its own message) and room for the request line.
const maxHeaderBlock = 68 << 10

// newGuard answers the watch over the server's connections.
func newGuard(maxConns int, log *slog.Logger) *connguard.Guard {
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{
		"origin": "client_error", "code": "request_header_too_large",
		"message": fmt.Sprintf("The request line and headers are larger than the limit of %d bytes.", maxHeaderBlock),
	}}})
	response := fmt.Sprintf("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json; charset=utf-8\r\n"+
		"Content-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	var refused atomic.Int64
	return &connguard.Guard{
		Max: maxConns, MaxHeader: maxHeaderBlock, TooLarge: []byte(response), Log: log, ErrorBody: errorBody,
		OnRefused: func() {
			if n := refused.Add(1); n&(n-1) == 0 { // the 1st, 2nd, 4th, 8th…: not a line per connection
				log.Warn("connection refused: every connection is busy (--max-connections)", "max", maxConns, "refused", n)
			}
		},
	}
}

// errorBody is the envelope of an answer net/http gives itself to a
// request it cannot read: its code is the status's name.
func errorBody(status int, text string) []byte {
	code := strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
	if status == http.StatusRequestHeaderFieldsTooLarge {
		code = "request_header_too_large"
	}
	if text == "" || text == strconv.Itoa(status)+" "+http.StatusText(status) {
		text = http.StatusText(status)
	}
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{
		"origin": "client_error", "code": code, "message": "The request cannot be read: " + text + ".",
	}}})
	return body
}
