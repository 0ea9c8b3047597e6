package jsonpos

// Kind names the kind of the JSON value that value starts with, as error
// messages say what they got: "object", "array", "string", "boolean",
// "null" or "number"; "nothing" when there is no value. Only the first
// byte after white space is read: value need not be valid.
func Kind(value []byte) string {
	for _, c := range value {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return "object"
		case '[':
			return "array"
		case '"':
			return "string"
		case 't', 'f':
			return "boolean"
		case 'n':
			return "null"
		}
		return "number"
	}
	return "nothing"
}
