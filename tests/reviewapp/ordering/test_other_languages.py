"""Import/include heuristics for JS/TS, Go, C/C++ and Java, end to end through order_files."""

from __future__ import annotations

from reviewapp.ordering import order_files
from reviewapp.ordering.other_languages import (
    analyze_c,
    analyze_go,
    analyze_javascript,
    language_family,
)

from .conftest import make_file


def paths(files) -> list[str]:
    return [item.path for item in order_files(files)]


def test_javascript_relative_imports_resolve_with_extensions_and_index_files():
    """`./utils` finds utils.ts, `../components` finds components/index.tsx."""
    utils = "export function formatDate(d: Date): string {\n  return d.toISOString();\n}\n"
    index = "export const Button = () => null;\n"
    page_old = ("import { formatDate } from './utils';\nimport { Button } from '../components';\n"
                "export const Page = () => formatDate(new Date());\n")
    page_new = page_old.replace("new Date()", "new Date(0)")
    files = [
        make_file("web/src/pages/Page.tsx", page_old, page_new),
        make_file("web/src/pages/utils.ts", None, utils),
        make_file("web/src/components/index.tsx", None, index),
    ]
    order = paths(files)
    assert order[-1] == "web/src/pages/Page.tsx"
    result = {item.path: item.reason for item in order_files(files)}
    expected = "defines `formatDate`, used by `web/src/pages/Page.tsx` below"
    assert result["web/src/pages/utils.ts"] == expected


def test_javascript_require_and_namespace_imports_are_understood():
    """`require('./db')` and `import * as api from './api'` with `api.fetchUser` both link."""
    js = (
        "const db = require('./db');\nimport * as api from './api';\n"
        "module.exports = api.fetchUser(db);\n"
    )
    symbols = analyze_javascript(make_file("srv/app.js", None, js))
    found = {c.path: c.names for ref in symbols.imports for c in ref.candidates}
    assert "srv/db.js" in found
    assert found["srv/api.ts"] == {"fetchUser"}


def test_javascript_packages_from_the_registry_are_not_linked():
    """`import React from 'react'` never matches a changed file called react.js."""
    files = [
        make_file("src/react.js", "export const a = 1;\n", "export const a = 2;\n"),
        make_file("src/app.js", "import R from 'react';\nA\n", "import R from 'react';\nB\n"),
    ]
    groups = {item.path: item.group for item in order_files(files)}
    assert groups["src/react.js"] != groups["src/app.js"]


def test_go_imports_link_a_package_directory_by_the_names_used():
    """`store.Open` from package internal/store links store.go, not the unrelated cache.go."""
    store = "package store\n\nfunc Open(path string) (*DB, error) {\n\treturn nil, nil\n}\n"
    cache = "package store\n\nfunc Evict() {}\n"
    main_old = ('package main\n\nimport (\n\t"fmt"\n\t"example.com/app/internal/store"\n)\n\n'
                'func main() {\n\tfmt.Println(store.Open("a"))\n}\n')
    main_new = main_old.replace('"a"', '"b"')
    files = [
        make_file("cmd/app/main.go", main_old, main_new),
        make_file("internal/store/store.go", None, store),
        make_file("internal/store/cache.go", None, cache),
    ]
    result = order_files(files)
    reasons = {item.path: item.reason for item in result}
    order = [item.path for item in result]
    assert order.index("internal/store/store.go") < order.index("cmd/app/main.go")
    assert reasons["internal/store/store.go"] == "defines `Open`, used by `cmd/app/main.go` below"
    groups = {item.path: item.group for item in result}
    assert groups["internal/store/cache.go"] != groups["cmd/app/main.go"]


def test_go_files_of_one_package_see_each_other_without_imports():
    """types.go defines Config; server.go in the same directory uses it."""
    types = "package server\n\ntype Config struct {\n\tPort int\n}\n"
    server = "package server\n\nfunc Start(c Config) error {\n\treturn nil\n}\n"
    files = [make_file("server/server.go", None, server), make_file("server/types.go", None, types)]
    assert paths(files) == ["server/types.go", "server/server.go"]


def test_go_grouped_declarations_are_definitions():
    """Names inside `const (...)` and `type (...)` blocks are defined."""
    text = "package k\n\nconst (\n\tKindA = iota\n\tKindB\n)\n\ntype (\n\tID int\n)\n"
    assert analyze_go(make_file("k/k.go", None, text)).defines >= {"KindA", "KindB", "ID"}


def test_c_quoted_includes_resolve_relative_then_by_suffix():
    """`#include "util.h"` finds the sibling header; `#include "core/list.h"` by suffix."""
    c_old = (
        '#include <stdio.h>\n#include "util.h"\n#include "core/list.h"\n\n'
        "int main(void) {\n  return 0;\n}\n"
    )
    c_new = c_old.replace("return 0", "return util_run()")
    files = [
        make_file("src/main.c", c_old, c_new),
        make_file("src/util.h", None, "#define UTIL_H\nint util_run(void);\n"),
        make_file("include/core/list.h", None, "struct list {\n  int n;\n};\n"),
    ]
    order = paths(files)
    assert order[-1] == "src/main.c"
    symbols = analyze_c(make_file("src/main.c", c_old, c_new))
    anchored = {c.path for ref in symbols.imports for c in ref.candidates if c.anchored}
    assert "src/util.h" in anchored


def test_c_implementation_follows_its_header_even_without_a_visible_include():
    """list.c after list.h when the pasted hunks do not show the #include line."""
    filler = "".join(f"/* {n} */\n" for n in range(20))
    impl_old = '#include "list.h"\n' + filler + "int list_len(struct list *l) { return 0; }\n"
    impl_new = '#include "list.h"\n' + filler + "int list_len(struct list *l) { return l->n; }\n"
    files = [
        make_file("lib/list.c", impl_old, impl_new, with_content=False),
        make_file("lib/list.h", "struct list;\n", "struct list { int n; };\n", with_content=False),
    ]
    assert paths(files) == ["lib/list.h", "lib/list.c"]


def test_java_imports_resolve_to_class_files():
    """`import com.acme.model.User;` links src/main/java/com/acme/model/User.java."""
    user = "package com.acme.model;\n\npublic class User {\n}\n"
    service = (
        "package com.acme;\n\nimport com.acme.model.User;\n\n"
        "public class Service {\n  User u;\n}\n"
    )
    files = [
        make_file("src/main/java/com/acme/Service.java", None, service),
        make_file("src/main/java/com/acme/model/User.java", None, user),
    ]
    assert paths(files)[0].endswith("User.java")


def test_language_family_by_extension():
    """Families used to keep name-based links within one language."""
    found = [language_family(p) for p in ("a.py", "b.tsx", "c.go", "d.hpp", "E.kt", "g.rs", "f.rb")]
    assert found == ["python", "javascript", "go", "c", "jvm", "rust", ""]


def test_rust_mod_and_use_crate_paths_resolve():
    """`mod parser;` in lib.rs and `use crate::parser::Token` in src/lexer.rs find parser.rs."""
    parser = "pub struct Token;\n\npub fn parse() -> Token {\n    Token\n}\n"
    lexer = "use crate::parser::Token;\n\npub fn lex() -> Token {\n    Token\n}\n"
    lib = "mod parser;\nmod lexer;\n"
    files = [
        make_file("core/src/lib.rs", None, lib),
        make_file("core/src/lexer.rs", None, lexer),
        make_file("core/src/parser.rs", None, parser),
    ]
    result = order_files(files)
    order = [item.path for item in result]
    assert order.index("core/src/parser.rs") < order.index("core/src/lexer.rs")
    reasons = {item.path: item.reason for item in result}
    assert "`Token`" in reasons["core/src/parser.rs"]
