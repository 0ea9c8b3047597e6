package storage

import (
	"encoding/binary"
	"errors"
	"fmt"

	"lastaccess/engine"
)

// An event value holds what the key does not: a version byte, a flags
// byte (principal type in bits 0-2, service-linked bit 3, data event bit 4)
// and length-prefixed strings. EventSource is stored empty when it is
// "<ns>.amazonaws.com" and Action empty when it equals EventName, the
// common cases, so most values carry only the principal, the event name
// and the region.
const eventValueVersion = 1

const (
	flagServiceLinked = 1 << 3
	flagDataEvent     = 1 << 4
)

func encodeEventValue(dst []byte, ev *engine.Event) []byte {
	flags := byte(ev.PrincipalType) & 0x07
	if ev.ServiceLinked {
		flags |= flagServiceLinked
	}
	if ev.DataEvent {
		flags |= flagDataEvent
	}
	dst = append(dst, eventValueVersion, flags)
	dst = appendString(dst, ev.PrincipalARN)
	src := ev.EventSource
	if len(src) == len(ev.Namespace)+len(".amazonaws.com") && src[:len(ev.Namespace)] == ev.Namespace && src[len(ev.Namespace):] == ".amazonaws.com" {
		src = ""
	}
	dst = appendString(dst, src)
	dst = appendString(dst, ev.EventName)
	action := ev.Action
	if action == ev.EventName {
		action = ""
	}
	dst = appendString(dst, action)
	dst = appendString(dst, ev.Region)
	return appendString(dst, ev.ErrorCode)
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

var errShortValue = errors.New("storage: truncated event value")

func decodeEventValue(b []byte, ev *engine.Event) error {
	if len(b) < 2 {
		return errShortValue
	}
	if b[0] != eventValueVersion {
		return fmt.Errorf("storage: event value version %d", b[0])
	}
	flags := b[1]
	ev.PrincipalType = engine.PrincipalType(flags & 0x07)
	ev.ServiceLinked = flags&flagServiceLinked != 0
	ev.DataEvent = flags&flagDataEvent != 0
	b = b[2:]
	var fields [6]string
	for i := range fields {
		n, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < n {
			return errShortValue
		}
		fields[i] = string(b[w : w+int(n)])
		b = b[w+int(n):]
	}
	ev.PrincipalARN = fields[0]
	ev.EventSource = fields[1]
	if ev.EventSource == "" {
		ev.EventSource = ev.Namespace + ".amazonaws.com"
	}
	ev.EventName = fields[2]
	ev.Action = fields[3]
	if ev.Action == "" {
		ev.Action = ev.EventName
	}
	ev.Region = fields[4]
	ev.ErrorCode = fields[5]
	return nil
}

// decodeEvent rebuilds an event from its key and value.
func decodeEvent(key, value []byte, ev *engine.Event) error {
	p, err := parseEventKey(key)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	ev.AccountID, ev.Namespace, ev.Time, ev.ID = p.account, p.ns, p.nanos, p.id
	return decodeEventValue(value, ev)
}
