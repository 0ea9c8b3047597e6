package awsfront

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"lastaccess/engine"
)

// maxDrainBytes is how much of a refused body is read and dropped so the
// connection can carry the next request; a client sending more is
// disconnected instead.
const maxDrainBytes = 16 << 20

// authCodes are the refusals the log records (remote address and code,
// never a secret): someone is trying keys or clocks.
var authCodes = map[string]bool{
	codeInvalidClientTokenID: true, codeSignatureDoesNotMatch: true, codeIncompleteSignature: true,
	codeMissingAuthenticationToken: true, codeRequestExpired: true, codeAccessDenied: true,
}

// handler serves every request: body, signature, form, action, result.
type handler struct {
	eng      *engine.Engine
	opts     Options
	verifier *verifier
	log      *slog.Logger
}

func (h *handler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	requestID := uuid.NewString()
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("AWS API request failed", "request_id", requestID, "panic", fmt.Sprint(p))
			h.writeError(rw, wireError(fmt.Errorf("internal error: %v", p)), requestID)
		}
	}()
	op, result, err := h.serve(r)
	if err != nil {
		e := wireError(err)
		switch {
		case e.receiver:
			h.log.Error("AWS API request failed", "request_id", requestID, "action", truncate(op), "code", e.code, "err", e.message)
		case authCodes[e.code]:
			h.log.Warn("AWS API request refused", "request_id", requestID, "remote", r.RemoteAddr, "action", truncate(op), "code", e.code)
		}
		h.writeError(rw, e, requestID)
		return
	}
	w := getWriter()
	defer putWriter(w)
	w.response(op, requestID, result)
	h.write(rw, http.StatusOK, w, requestID)
}

// serve answers one request: the name of its action and the writer of
// its result, or an error.
func (h *handler) serve(r *http.Request) (string, func(*xmlWriter), error) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return "", nil, newError(codeMethodNotAllowed, "The IAM API answers POST and GET, not %s.", truncate(r.Method))
	}
	body, err := h.readBody(r)
	if err != nil {
		return "", nil, err
	}
	query, err := splitForm(r.URL.RawQuery)
	if err != nil {
		return "", nil, err
	}
	key, err := h.verifier.authenticate(r, query, body)
	if err != nil {
		return "", nil, err
	}
	if key == nil && !h.opts.AllowUnsigned {
		return "", nil, newError(codeMissingAuthenticationToken, "Request is missing Authentication Token")
	}
	f := form{}
	if err := f.add(query); err != nil {
		return "", nil, err
	}
	if len(body) > 0 {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			if mt, _, perr := mime.ParseMediaType(ct); perr != nil || mt != "application/x-www-form-urlencoded" {
				return "", nil, newError(codeMalformedQueryString, "The body must be application/x-www-form-urlencoded, not %q.", truncate(ct))
			}
		}
		pairs, err := splitForm(string(body))
		if err != nil {
			return "", nil, err
		}
		if err := f.add(pairs); err != nil {
			return "", nil, err
		}
	}
	action, ok := f.str(paramAction)
	if !ok || action == "" {
		return "", nil, newError(codeMissingAction, "Missing Action")
	}
	version, ok := f.str(paramVersion)
	if !ok {
		return action, nil, newError(codeMissingParameter, "The request must contain the parameter Version.")
	}
	op, known := operations[action]
	if !known || version != apiVersion {
		return action, nil, newError(codeInvalidAction, "Could not find operation %s for version %s.", truncate(action), truncate(version))
	}
	c := &call{ctx: r.Context(), eng: h.eng, form: f}
	if key != nil {
		c.caller, c.account = key.AccessKeyID, key.AccountID
	}
	if c.account == "" {
		if org := h.eng.Organization(); org != nil {
			c.account = org.ManagementAccountID
		}
	}
	if op.generate && key != nil && key.ReadOnly {
		return action, nil, newError(codeAccessDenied, "The access key %s is read-only (read_only = true): it is not authorized to perform iam:%s.", key.AccessKeyID, action)
	}
	result, err := op.run(c)
	return action, result, err
}

// readBody reads the body up to the limit. A larger one is refused as
// ValidationError after reading and dropping up to maxDrainBytes of it,
// so that the connection stays usable.
func (h *handler) readBody(r *http.Request) ([]byte, error) {
	limit := h.opts.MaxBodyBytes
	if r.ContentLength > limit {
		drain(r.Body)
		return nil, tooLarge(r.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, newError(codeRequestTimeout, "The request body could not be read in full (%v): the client was too slow or went away.", err)
	}
	if int64(len(body)) > limit {
		drain(r.Body)
		return nil, tooLarge(-1, limit)
	}
	return body, nil
}

func drain(body io.Reader) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrainBytes))
}

func tooLarge(size, limit int64) error {
	if size >= 0 {
		return validationError(size, "requestBody", fmt.Sprintf("Member must have length less than or equal to %d bytes", limit))
	}
	return newError(engine.CodeValidationError, "1 validation error detected: the request body failed to satisfy constraint: Member must have length less than or equal to %d bytes", limit)
}

func (h *handler) writeError(rw http.ResponseWriter, e *apiError, requestID string) {
	w := getWriter()
	defer putWriter(w)
	w.errorResponse(e, requestID)
	h.write(rw, e.status, w, requestID)
}

func (h *handler) write(rw http.ResponseWriter, status int, w *xmlWriter, requestID string) {
	hdr := rw.Header()
	hdr.Set("Content-Type", "text/xml")
	hdr.Set("Content-Length", strconv.Itoa(w.buf.Len()))
	hdr.Set("X-Amzn-Requestid", requestID)
	rw.WriteHeader(status)
	if _, err := rw.Write(w.buf.Bytes()); err != nil && !errors.Is(err, http.ErrHandlerTimeout) {
		h.log.Debug("AWS API response not written", "request_id", requestID, "err", err)
	}
}
