package protobuf

import (
	"strings"

	"github.com/bufbuild/protocompile/parser"
	"google.golang.org/protobuf/types/descriptorpb"
)

// unit is one target file ready for analysis: its descriptor (linked, or
// as parsed) and a symbol table over the files it can see.
type unit struct {
	target *srcFile
	fd     *descriptorpb.FileDescriptorProto
	res    parser.Result // positions, comments, uninterpreted options
	linked bool
	syms   *symtab
	files  []fileView // the closure, target first
}

// fileView is one file of a unit's closure.
type fileView struct {
	fd  *descriptorpb.FileDescriptorProto
	res parser.Result // nil for standard imports
}

// msgDef is a message type known to a unit.
type msgDef struct {
	full string
	d    *descriptorpb.DescriptorProto
	res  parser.Result
	wkt  wktKind
}

// symtab maps fully-qualified names (without the leading dot) to types.
type symtab struct {
	msgs  map[string]*msgDef
	enums map[string]bool
}

// wktKind marks the types whose meaning is fixed by protobuf (or
// google.api) rather than by their fields.
type wktKind int

const (
	wktNone       wktKind = iota
	wktOpaque             // Any, google.api.HttpBody: the payload is untyped bytes
	wktFreeform           // Struct, Value, ListValue: arbitrary JSON
	wktScalarMsg          // Timestamp, Duration, Empty: fixed numeric content
	wktStringWrap         // StringValue: a string, validated by string rules
	wktBytesWrap          // BytesValue: bytes, validated by bytes rules
	wktNumberWrap         // BoolValue, Int32Value...: bounded scalars
	wktFieldMask          // FieldMask: a list of field paths
)

var wellKnown = map[string]wktKind{
	"google.protobuf.Any":         wktOpaque,
	"google.api.HttpBody":         wktOpaque,
	"google.protobuf.Struct":      wktFreeform,
	"google.protobuf.Value":       wktFreeform,
	"google.protobuf.ListValue":   wktFreeform,
	"google.protobuf.Timestamp":   wktScalarMsg,
	"google.protobuf.Duration":    wktScalarMsg,
	"google.protobuf.Empty":       wktScalarMsg,
	"google.protobuf.StringValue": wktStringWrap,
	"google.protobuf.BytesValue":  wktBytesWrap,
	"google.protobuf.BoolValue":   wktNumberWrap,
	"google.protobuf.Int32Value":  wktNumberWrap,
	"google.protobuf.Int64Value":  wktNumberWrap,
	"google.protobuf.UInt32Value": wktNumberWrap,
	"google.protobuf.UInt64Value": wktNumberWrap,
	"google.protobuf.FloatValue":  wktNumberWrap,
	"google.protobuf.DoubleValue": wktNumberWrap,
	"google.protobuf.FieldMask":   wktFieldMask,
}

func newSymtab() *symtab {
	s := &symtab{msgs: map[string]*msgDef{}, enums: map[string]bool{}}
	// Well-known types resolve by name even when their files are not
	// available (a file read unlinked), and their meaning wins over their
	// fields when they are.
	for name, k := range wellKnown {
		s.msgs[name] = &msgDef{full: name, wkt: k}
	}
	return s
}

// addFile registers a file's types in the unit.
func (u *unit) addFile(fd *descriptorpb.FileDescriptorProto, res parser.Result) {
	u.files = append(u.files, fileView{fd, res})
	pkg := fd.GetPackage()
	for _, m := range fd.GetMessageType() {
		u.syms.addMessage(join(pkg, m.GetName()), m, res)
	}
	for _, e := range fd.GetEnumType() {
		u.syms.enums[join(pkg, e.GetName())] = true
	}
}

// addMessage registers a message and its nested types. Nesting depth is
// bounded by the pre-scan (source files) or by the compiled-in standard
// descriptors.
func (s *symtab) addMessage(full string, m *descriptorpb.DescriptorProto, res parser.Result) {
	if _, ok := s.msgs[full]; !ok {
		s.msgs[full] = &msgDef{full: full, d: m, res: res}
	}
	for _, n := range m.GetNestedType() {
		s.addMessage(full+"."+n.GetName(), n, res)
	}
	for _, e := range m.GetEnumType() {
		s.enums[full+"."+e.GetName()] = true
	}
}

func join(pkg, name string) string {
	if pkg == "" {
		return name
	}
	return pkg + "." + name
}

// resolve finds a type reference written in scope (a package or message
// full name): ".a.b.C" is absolute; "b.C" is looked up in scope, then in
// each enclosing scope, as protoc does (simplified: the first full name
// that exists wins). It reports whether the name is a message or an enum.
func (s *symtab) resolve(scope, name string) (full string, isMsg, ok bool) {
	if strings.HasPrefix(name, ".") {
		full = name[1:]
		if s.msgs[full] != nil {
			return full, true, true
		}
		return full, false, s.enums[full]
	}
	for sc := scope; ; {
		cand := join(sc, name)
		if s.msgs[cand] != nil {
			return cand, true, true
		}
		if s.enums[cand] {
			return cand, false, true
		}
		if sc == "" {
			return name, false, false
		}
		if i := strings.LastIndexByte(sc, '.'); i >= 0 {
			sc = sc[:i]
		} else {
			sc = ""
		}
	}
}

// slotKind is what a field (or a list element, map key or map value)
// holds.
type slotKind int

const (
	kUnknown slotKind = iota // a type that could not be resolved
	kString
	kBytes
	kBool
	kEnum
	kNumber
	kMessage
)

// fieldType classifies a field of the message scope.
func (s *symtab) fieldType(scope string, f *descriptorpb.FieldDescriptorProto) (slotKind, *msgDef) {
	if f.Type != nil {
		switch f.GetType() {
		case descriptorpb.FieldDescriptorProto_TYPE_STRING:
			return kString, nil
		case descriptorpb.FieldDescriptorProto_TYPE_BYTES:
			return kBytes, nil
		case descriptorpb.FieldDescriptorProto_TYPE_BOOL:
			return kBool, nil
		case descriptorpb.FieldDescriptorProto_TYPE_ENUM:
			return kEnum, nil
		case descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, descriptorpb.FieldDescriptorProto_TYPE_GROUP:
			// resolved below
		default:
			return kNumber, nil
		}
	}
	full, isMsg, ok := s.resolve(scope, f.GetTypeName())
	switch {
	case !ok:
		return kUnknown, nil
	case isMsg:
		return kMessage, s.msgs[full]
	default:
		return kEnum, nil
	}
}

// message resolves a method's input or output type.
func (s *symtab) message(scope, name string) *msgDef {
	full, isMsg, ok := s.resolve(scope, name)
	if !ok || !isMsg {
		return nil
	}
	return s.msgs[full]
}
