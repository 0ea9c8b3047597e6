package awsfront

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"lastaccess/engine"
)

// xmlNamespace is IAM's, from botocore's model (metadata.xmlNamespace).
const xmlNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// xmlWriter writes the Query protocol's XML the way botocore's model
// shapes it: each member an element named as the model names it, in the
// model's order; a list's items as <member>; an optional member that is
// absent is left out. Text goes through encoding/xml's escaping.
type xmlWriter struct {
	buf bytes.Buffer
}

func (w *xmlWriter) open(name string) {
	w.buf.WriteByte('<')
	w.buf.WriteString(name)
	w.buf.WriteByte('>')
}

func (w *xmlWriter) close(name string) {
	w.buf.WriteString("</")
	w.buf.WriteString(name)
	w.buf.WriteByte('>')
}

// text writes <name>value</name>.
func (w *xmlWriter) text(name, value string) {
	w.open(name)
	w.escaped(value)
	w.close(name)
}

// escaped writes s as character data. Most values (names, namespaces,
// ARNs, regions) need no escaping and are copied as they are; the others
// go through encoding/xml's escaping, which also replaces what XML cannot
// hold.
func (w *xmlWriter) escaped(s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '&' || c == '\'' || c == '"' {
			_ = xml.EscapeText(&w.buf, []byte(s)) // writes to a bytes.Buffer: cannot fail
			return
		}
	}
	w.buf.WriteString(s)
}

// writers recycles response buffers: a 100-service page is some 30 KB,
// and growing a fresh buffer to that size for every request cost more
// than the rest of the response.
var writers = sync.Pool{New: func() any { return new(xmlWriter) }}

func getWriter() *xmlWriter { return writers.Get().(*xmlWriter) }

// putWriter returns w to the pool unless it grew past what a usual
// response needs.
func putWriter(w *xmlWriter) {
	if w.buf.Cap() > maxPooledWriter {
		return
	}
	w.buf.Reset()
	writers.Put(w)
}

const maxPooledWriter = 1 << 20

// optText writes a member that is absent when "".
func (w *xmlWriter) optText(name, value string) {
	if value != "" {
		w.text(name, value)
	}
}

func (w *xmlWriter) optTextPtr(name string, value *string) {
	if value != nil {
		w.text(name, *value)
	}
}

func (w *xmlWriter) integer(name string, n int) {
	w.open(name)
	w.buf.WriteString(strconv.Itoa(n))
	w.close(name)
}

func (w *xmlWriter) optInteger(name string, n *int) {
	if n != nil {
		w.integer(name, *n)
	}
}

func (w *xmlWriter) boolean(name string, b bool) {
	if b {
		w.text(name, "true")
	} else {
		w.text(name, "false")
	}
}

func (w *xmlWriter) optBoolean(name string, b *bool) {
	if b != nil {
		w.boolean(name, *b)
	}
}

// timestamp writes ISO 8601 in UTC, as the IAM API does (and as the CLI
// and SQL print it: fractional seconds only when present).
func (w *xmlWriter) timestamp(name string, t engine.Timestamp) {
	w.open(name)
	w.buf.WriteString(t.String())
	w.close(name)
}

func (w *xmlWriter) optTimestamp(name string, t *engine.Timestamp) {
	if t != nil {
		w.timestamp(name, *t)
	}
}

// list writes <name><member>…</member>…</name>, each member by item(i).
func (w *xmlWriter) list(name string, n int, item func(i int)) {
	w.open(name)
	for i := 0; i < n; i++ {
		w.open("member")
		item(i)
		w.close("member")
	}
	w.close(name)
}

// textList writes a list of strings.
func (w *xmlWriter) textList(name string, values []string) {
	w.open(name)
	for _, v := range values {
		w.text("member", v)
	}
	w.close(name)
}

// policyDocument writes a policy document as the IAM API returns one:
// its JSON text URL-encoded (a space as %20), which botocore decodes back
// into JSON for the AWS CLI and boto3.
func (w *xmlWriter) policyDocument(name, jsonText string) {
	if jsonText != "" {
		w.text(name, strings.ReplaceAll(url.QueryEscape(jsonText), "+", "%20"))
	}
}

// response wraps a result: <OpResponse xmlns><OpResult>…</OpResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>.
func (w *xmlWriter) response(op, requestID string, result func(*xmlWriter)) {
	w.buf.WriteString(xml.Header[:len(xml.Header)-1])
	w.buf.WriteString("\n<")
	w.buf.WriteString(op)
	w.buf.WriteString(`Response xmlns="` + xmlNamespace + `">`)
	w.open(op + "Result")
	result(w)
	w.close(op + "Result")
	w.open("ResponseMetadata")
	w.text("RequestId", requestID)
	w.close("ResponseMetadata")
	w.close(op + "Response")
	w.buf.WriteByte('\n')
}

// errorResponse writes the Query protocol's error envelope.
func (w *xmlWriter) errorResponse(e *apiError, requestID string) {
	w.buf.WriteString(xml.Header[:len(xml.Header)-1])
	w.buf.WriteString("\n<ErrorResponse xmlns=\"" + xmlNamespace + "\">")
	w.open("Error")
	if e.receiver {
		w.text("Type", "Receiver")
	} else {
		w.text("Type", "Sender")
	}
	w.text("Code", e.code)
	w.text("Message", e.message)
	w.close("Error")
	w.text("RequestId", requestID)
	w.close("ErrorResponse")
	w.buf.WriteByte('\n')
}
