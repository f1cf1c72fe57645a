# msvc-ast-check.awk - reads clang's text AST dump (-Xclang -ast-dump) of one C file and prints
# the conversions MSVC /W4 warns about that clang's -Wconversion lets through, one per line:
#   FILE:LINE: C4244 ...
# Only nodes in the project's own files are reported (paths as given to clang: relative, so
# every absolute path, a system header, is skipped). Used by cmake/msvc-check.sh.
#
# Why these: clang's -Wconversion proves a value fits before it warns (x ^= 0xFF on an
# unsigned char never leaves 0..255), MSVC does not; and clang does not warn when a constant
# int becomes a 64-bit pointer.
#   C4244  a compound assignment (^=, +=, <<= ...) to a char or short: the operation is done
#          in int and the result narrowed. Fix: x = (unsigned char)(x ^ y).
#   C4244  any other int value narrowed to a char or short (c = x >> 24, c = b ? x : '?'),
#          which clang lets pass when it can prove the value fits. Fix: cast the whole
#          expression. A constant other than a plain literal ('a' + 1) is reported too,
#          though MSVC accepts a constant that fits: cast it as well.
#   C4244  likewise a 64-bit value (SIZE_T, ULONGLONG) narrowed to 32 bits (DWORD, int) where
#          clang proves it fits (d = size & 0xFFFF); sizeof and literals are not reported.
#   C4312  a cast from a 32-bit integer (int, long, DWORD) to a pointer: (void *)1.
#          Fix: (void *)(uintptr_t)1.
#   C4334  a 32-bit shift (1 << n) implicitly widened to 64 bits. Fix: shift a 64-bit value.
#   C4146  unary minus on an unsigned value.
#
# The dump prints a location's file only when it changes and its line only when that
# changes, so the current file and line are tracked across every location printed.

function narrow(type) {
    return type == "char" || type == "signed char" || type == "unsigned char" ||
           type == "short" || type == "unsigned short" || type == "wchar_t" ||
           type == "_Bool"
}

function thirty_two(type) {
    return type == "int" || type == "unsigned int" || type == "long" ||
           type == "unsigned long" || narrow(type)
}

function sixty_four(type) {
    return type == "long long" || type == "unsigned long long"
}

# Sets node_file and node_line from the first location on the line, and file and line from
# every location on it, in order.
function scan_locations(text,    token, parts, count, i, first) {
    first = 1
    node_file = ""
    while (match(text, /[^ <>,']+:[0-9]+:[0-9]+|col:[0-9]+/)) {
        token = substr(text, RSTART, RLENGTH)
        text = substr(text, RSTART + RLENGTH)
        if (token ~ /^line:[0-9]+:[0-9]+$/) {
            split(token, parts, ":")
            line = parts[2]
        } else if (token !~ /^col:/) {
            count = split(token, parts, ":")
            file = parts[1]
            for (i = 2; i <= count - 2; i++) {
                file = file ":" parts[i]
            }
            line = parts[count - 1]
        }
        if (first) {
            node_file = file
            node_line = line
            first = 0
        }
    }
}

# The node's type, canonical when the dump gives both ('DWORD':'unsigned long').
function node_type(text,    quoted) {
    if (!match(text, /> '[^']*'(:'[^']*')?/)) {
        return ""
    }
    quoted = substr(text, RSTART + 2, RLENGTH - 2)
    if (match(quoted, /':'/)) {
        quoted = substr(quoted, RSTART + 2)
    }
    gsub(/'/, "", quoted)
    return quoted
}

function own(path) {
    return path != "" && path !~ /^\// && path !~ /^</
}

function report(code, message) {
    printf "%s:%s: %s (MSVC /W4): %s\n", want_file, want_line, code, message
    found++
}

{
    # Fast path: outside the project's files, only a line naming a file can bring us back (the
    # dump prints file:line:col in full whenever the file changes).
    if (!own(file) && $0 !~ /\.[ch]:[0-9]/) {
        next
    }
    scan_locations($0)
    kind = $0
    sub(/^[ |`-]*/, "", kind)
    sub(/ .*/, "", kind)
    type = node_type($0)

    # A check waiting for this node, the child of the line before.
    if (want != "") {
        if (kind == "ParenExpr" && (want == "shift" || want == "narrow" || want == "to32")) {
            # look through one pair of parentheses
            want = want "-paren"
        } else {
            if (want == "pointer" && thirty_two(type)) {
                report("C4312", "the 32-bit '" type "' cast to a pointer; cast through uintptr_t")
            } else if ((want == "shift" || want == "shift-paren") && kind == "BinaryOperator" &&
                       $0 ~ /'<<'/ && thirty_two(type)) {
                report("C4334", "a 32-bit shift widened to 64 bits; shift a 64-bit value")
            } else if ((want == "to32" || want == "to32-paren") && sixty_four(type) &&
                       kind != "IntegerLiteral" && kind != "UnaryExprOrTypeTraitExpr") {
                report("C4244", "a 64-bit '" type "' value narrowed to '" want_type "'; cast it")
            } else if ((want == "narrow" || want == "narrow-paren") && !narrow(type) &&
                       kind != "IntegerLiteral" && kind != "CharacterLiteral") {
                report("C4244", "an '" type "' value narrowed to '" want_type "'; cast it")
            }
            want = ""
        }
    }

    if (!own(node_file)) {
        next
    }
    want_file = node_file
    want_line = node_line
    if (kind == "CompoundAssignOperator" && narrow(type) &&
        $0 ~ /ComputeResultTy='(unsigned )?int'/) {
        report("C4244", "x op= y on '" type "' computes in int; write x = (" type ")(x op y)")
    } else if (kind == "CStyleCastExpr" && $0 ~ /<IntegralToPointer>/) {
        want = "pointer"
    } else if (kind == "ImplicitCastExpr" && $0 ~ /<IntegralCast>/ && sixty_four(type)) {
        want = "shift"
    } else if (kind == "ImplicitCastExpr" && $0 ~ /<IntegralCast>/ && thirty_two(type) &&
               !narrow(type)) {
        want = "to32"
        want_type = type
    } else if (kind == "ImplicitCastExpr" && $0 ~ /<IntegralCast>/ && narrow(type)) {
        want = "narrow"
        want_type = type
    } else if (kind == "UnaryOperator" && $0 ~ /prefix '-'/ && type ~ /^unsigned/) {
        report("C4146", "unary minus on '" type "'")
    }
}

END {
    exit found > 0 ? 1 : 0
}
