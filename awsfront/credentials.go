package awsfront

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"lastaccess/engine"
)

// Key is an access key the server accepts.
type Key struct {
	// Name says where the key comes from (a section of a credentials
	// file, or the environment), for the log.
	Name            string
	AccessKeyID     string
	SecretAccessKey string
	// AccountID is the account the key acts as: the account whose
	// entities ListUsers and the other listings return. "" means the
	// organization's management account.
	AccountID string
	// ReadOnly refuses the Generate operations.
	ReadOnly bool
}

// Settings of a shared-credentials file section: AWS's own, and
// lastaccess's account_id and read_only. region and output (which some
// users keep in the same file) are accepted and ignored; any other name
// is an error, so that a misspelt read_only cannot leave a key writable.
const (
	settingAccessKeyID = "aws_access_key_id"
	settingSecret      = "aws_secret_access_key"
	settingAccountID   = "account_id"
	settingReadOnly    = "read_only"
)

var ignoredSettings = map[string]bool{"region": true, "output": true}

// ParseCredentials reads keys from a file in the AWS shared-credentials
// format: [name] sections of "setting = value" lines, comments starting
// with # or ;. Every section needs aws_access_key_id and
// aws_secret_access_key; account_id (12 digits) and read_only (true or
// false) are optional. source names the file in errors.
func ParseCredentials(source string, data []byte) ([]Key, error) {
	var keys []Key
	var cur *Key
	seenSettings := map[string]bool{}
	seenIDs := map[string]string{}
	sections := map[string]bool{}
	finish := func() error {
		if cur == nil {
			return nil
		}
		switch {
		case cur.AccessKeyID == "":
			return fmt.Errorf("%s: section [%s] has no %s", source, cur.Name, settingAccessKeyID)
		case cur.SecretAccessKey == "":
			return fmt.Errorf("%s: section [%s] has no %s", source, cur.Name, settingSecret)
		}
		if other, dup := seenIDs[cur.AccessKeyID]; dup {
			return fmt.Errorf("%s: sections [%s] and [%s] have the same %s", source, other, cur.Name, settingAccessKeyID)
		}
		seenIDs[cur.AccessKeyID] = cur.Name
		keys = append(keys, *cur)
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if text == "" || text[0] == '#' || text[0] == ';' {
			continue
		}
		if text[0] == '[' {
			if !strings.HasSuffix(text, "]") {
				return nil, fmt.Errorf("%s:%d: a section header must end with ]: %q", source, line, text)
			}
			if err := finish(); err != nil {
				return nil, err
			}
			name := strings.TrimSpace(text[1 : len(text)-1])
			if name == "" {
				return nil, fmt.Errorf("%s:%d: empty section name", source, line)
			}
			if sections[name] {
				return nil, fmt.Errorf("%s:%d: section [%s] appears twice", source, line, name)
			}
			sections[name] = true
			cur = &Key{Name: name}
			clear(seenSettings)
			continue
		}
		setting, value, ok := strings.Cut(text, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want \"setting = value\", got %q", source, line, text)
		}
		setting, value = strings.ToLower(strings.TrimSpace(setting)), strings.TrimSpace(value)
		if cur == nil {
			return nil, fmt.Errorf("%s:%d: %s outside a [section]", source, line, setting)
		}
		if seenSettings[setting] {
			return nil, fmt.Errorf("%s:%d: section [%s] sets %s twice", source, line, cur.Name, setting)
		}
		seenSettings[setting] = true
		switch setting {
		case settingAccessKeyID:
			if !validAccessKeyID(value) {
				return nil, fmt.Errorf("%s:%d: %s must be 16 to 128 letters and digits", source, line, settingAccessKeyID)
			}
			cur.AccessKeyID = value
		case settingSecret:
			cur.SecretAccessKey = value
		case settingAccountID:
			if !engine.IsAccountID(value) {
				return nil, fmt.Errorf("%s:%d: %s must be 12 digits, got %q", source, line, settingAccountID, value)
			}
			cur.AccountID = value
		case settingReadOnly:
			switch strings.ToLower(value) {
			case "true":
				cur.ReadOnly = true
			case "false":
				cur.ReadOnly = false
			default:
				return nil, fmt.Errorf("%s:%d: %s must be true or false, got %q", source, line, settingReadOnly, value)
			}
		default:
			if !ignoredSettings[setting] {
				return nil, fmt.Errorf("%s:%d: unknown setting %q in section [%s] (known: %s, %s, %s, %s)", source, line, setting, cur.Name,
					settingAccessKeyID, settingSecret, settingAccountID, settingReadOnly)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no [section] with a key", source)
	}
	return keys, nil
}

// validAccessKeyID: AWS's access key ids are 16–128 word characters (the
// API's accessKeyIdType).
func validAccessKeyID(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
