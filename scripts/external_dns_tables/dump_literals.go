// dump_literals prints, as JSON, every composite-literal or call element of every slice literal in
// the Go test files given on the command line, with its line range and enclosing function.
// Standard library only, so it runs without the external-dns module graph:
//
//	go run scripts/external_dns_tables/dump_literals.go <external-dns>/endpoint/labels_test.go ...
//
// Values: strings, numbers and bools as JSON; identifiers as {"ident": "pkg.Name"}; calls as
// {"call": "pkg.Func", "args": [...]}; composite literals as {"fields": {...}} (keyed) or
// {"items": [...]} (positional).
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
)

type row struct {
	File      string `json:"file"`
	Func      string `json:"func"`
	StartLine int    `json:"start_line"`
	EndLine   int    `json:"end_line"`
	Value     any    `json:"value"`
}

func value(fset *token.FileSet, e ast.Expr) any {
	switch v := e.(type) {
	case *ast.BasicLit:
		switch v.Kind {
		case token.STRING, token.CHAR:
			s, err := strconv.Unquote(v.Value)
			if err != nil {
				return map[string]any{"raw": v.Value}
			}
			return s
		case token.INT:
			n, _ := strconv.Atoi(v.Value)
			return n
		}
		return map[string]any{"raw": v.Value}
	case *ast.Ident:
		switch v.Name {
		case "true":
			return true
		case "false":
			return false
		case "nil":
			return nil
		}
		return map[string]any{"ident": v.Name}
	case *ast.SelectorExpr:
		if x, ok := v.X.(*ast.Ident); ok {
			return map[string]any{"ident": x.Name + "." + v.Sel.Name}
		}
		return map[string]any{"method": v.Sel.Name, "on": value(fset, v.X)}
	case *ast.CallExpr:
		args := []any{}
		for _, a := range v.Args {
			args = append(args, value(fset, a))
		}
		fn := value(fset, v.Fun)
		if m, ok := fn.(map[string]any); ok {
			if name, ok := m["ident"].(string); ok {
				return map[string]any{"call": name, "args": args}
			}
			if _, ok := m["method"]; ok {
				m["args"] = args // a method call on a value: {"method", "on", "args"}
				return m
			}
		}
		return map[string]any{"call": "", "args": args}
	case *ast.UnaryExpr:
		return value(fset, v.X)
	case *ast.BinaryExpr:
		l, r := value(fset, v.X), value(fset, v.Y)
		ls, lok := l.(string)
		rs, rok := r.(string)
		if v.Op == token.ADD && lok && rok {
			return ls + rs
		}
		return map[string]any{"binary": v.Op.String(), "x": l, "y": r}
	case *ast.CompositeLit:
		keyed := map[string]any{}
		items := []any{}
		for _, el := range v.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				k := value(fset, kv.Key)
				key := fmt.Sprint(k)
				if m, ok := k.(map[string]any); ok {
					key = fmt.Sprint(m["ident"])
				}
				keyed[key] = value(fset, kv.Value)
			} else {
				items = append(items, value(fset, el))
			}
		}
		if len(keyed) > 0 {
			return map[string]any{"fields": keyed}
		}
		return map[string]any{"items": items}
	case *ast.FuncLit:
		return map[string]any{"func_literal": fmt.Sprintf("lines %d-%d", fset.Position(v.Pos()).Line, fset.Position(v.End()).Line)}
	}
	return map[string]any{"unsupported": fmt.Sprintf("%T", e)}
}

func main() {
	var rows []row
	for _, path := range os.Args[1:] {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, decl := range f.Decls {
			name := ""
			switch d := decl.(type) {
			case *ast.FuncDecl:
				name = d.Name.Name
			case *ast.GenDecl:
				if d.Tok != token.VAR {
					continue
				}
				for _, spec := range d.Specs {
					if vs, ok := spec.(*ast.ValueSpec); ok && len(vs.Names) > 0 {
						name = "var " + vs.Names[0].Name
					}
				}
			}
			ast.Inspect(decl, func(n ast.Node) bool {
				lit, ok := n.(*ast.CompositeLit)
				if !ok {
					return true
				}
				if _, isSlice := lit.Type.(*ast.ArrayType); !isSlice {
					return true
				}
				for _, el := range lit.Elts {
					switch el.(type) {
					case *ast.CompositeLit, *ast.CallExpr:
					default:
						continue
					}
					rows = append(rows, row{path, name, fset.Position(el.Pos()).Line, fset.Position(el.End()).Line, value(fset, el)})
				}
				return true
			})
		}
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", " ")
	if err := out.Encode(rows); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
