package dast

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// Str is a JSON scalar read as text: reports write numbers as strings in
// one version and as numbers in the next ("riskcode": "3" / 3). null is "".
type Str string

// UnmarshalJSON implements json.Unmarshaler.
func (s *Str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = Str(v)
	case 'n':
		*s = ""
	case '{', '[':
		kind := "object"
		if b[0] == '[' {
			kind = "array"
		}
		return &json.UnmarshalTypeError{Value: kind, Type: reflect.TypeFor[string]()}
	default: // number, true, false: the literal as written
		*s = Str(b)
	}
	return nil
}

// String returns the trimmed text.
func (s Str) String() string { return strings.TrimSpace(string(s)) }

// List is a JSON array that some report versions write as a single object
// when it has one element; null is empty.
type List[T any] []T

// UnmarshalJSON implements json.Unmarshaler.
func (l *List[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == 'n' {
		*l = nil
		return nil
	}
	if b[0] == '[' {
		var v []T
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = v
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*l = List[T]{one}
	return nil
}
