package hrkeras.pose

/**
 * A small strict JSON reader (RFC 8259): objects become [Map]s (insertion order kept), arrays [List]s,
 * numbers [Double]s, plus [String], [Boolean] and `null`. Enough for the model metadata and the golden
 * test files, without a dependency that the JVM and Android do not share.
 */
object Json {
    /** Parses [text]; [IllegalArgumentException] naming the position of the first problem. */
    fun parse(text: String): Any? {
        val parser = Parser(text)
        parser.skipSpace()
        val value = parser.value()
        parser.skipSpace()
        if (!parser.atEnd()) parser.fail("unexpected text after the JSON value")
        return value
    }

    private class Parser(private val s: String) {
        private var i = 0

        fun atEnd() = i >= s.length

        fun fail(what: String): Nothing = throw IllegalArgumentException("bad JSON at character $i: $what")

        fun skipSpace() {
            while (i < s.length && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++
        }

        fun value(): Any? {
            if (atEnd()) fail("unexpected end")
            return when (val c = s[i]) {
                '{' -> obj()
                '[' -> array()
                '"' -> string()
                't' -> word("true", true)
                'f' -> word("false", false)
                'n' -> word("null", null)
                else -> if (c == '-' || c in '0'..'9') number() else fail("unexpected '$c'")
            }
        }

        private fun word(w: String, v: Any?): Any? {
            if (!s.startsWith(w, i)) fail("expected $w")
            i += w.length
            return v
        }

        private fun obj(): Map<String, Any?> {
            val out = LinkedHashMap<String, Any?>()
            i++
            skipSpace()
            if (i < s.length && s[i] == '}') { i++; return out }
            while (true) {
                skipSpace()
                if (atEnd() || s[i] != '"') fail("expected a key string")
                val key = string()
                skipSpace()
                if (atEnd() || s[i] != ':') fail("expected ':'")
                i++
                skipSpace()
                out[key] = value()
                skipSpace()
                if (atEnd()) fail("unterminated object")
                when (s[i++]) {
                    ',' -> continue
                    '}' -> return out
                    else -> { i--; fail("expected ',' or '}'") }
                }
            }
        }

        private fun array(): List<Any?> {
            val out = ArrayList<Any?>()
            i++
            skipSpace()
            if (i < s.length && s[i] == ']') { i++; return out }
            while (true) {
                skipSpace()
                out.add(value())
                skipSpace()
                if (atEnd()) fail("unterminated array")
                when (s[i++]) {
                    ',' -> continue
                    ']' -> return out
                    else -> { i--; fail("expected ',' or ']'") }
                }
            }
        }

        private fun string(): String {
            val out = StringBuilder()
            i++
            while (true) {
                if (atEnd()) fail("unterminated string")
                val c = s[i++]
                when {
                    c == '"' -> return out.toString()
                    c == '\\' -> {
                        if (atEnd()) fail("unterminated escape")
                        when (val e = s[i++]) {
                            '"', '\\', '/' -> out.append(e)
                            'b' -> out.append('\b')
                            'f' -> out.append('\u000C')
                            'n' -> out.append('\n')
                            'r' -> out.append('\r')
                            't' -> out.append('\t')
                            'u' -> {
                                if (i + 4 > s.length) fail("short \\u escape")
                                val code = s.substring(i, i + 4).toIntOrNull(16) ?: fail("bad \\u escape")
                                out.append(code.toChar())
                                i += 4
                            }
                            else -> fail("unknown escape \\$e")
                        }
                    }
                    c < ' ' -> fail("control character in a string")
                    else -> out.append(c)
                }
            }
        }

        private fun number(): Double {
            val start = i
            if (s[i] == '-') i++
            if (atEnd() || s[i] !in '0'..'9') fail("bad number")
            if (s[i] == '0') i++ else while (i < s.length && s[i] in '0'..'9') i++
            if (i < s.length && s[i] == '.') {
                i++
                if (atEnd() || s[i] !in '0'..'9') fail("bad number")
                while (i < s.length && s[i] in '0'..'9') i++
            }
            if (i < s.length && (s[i] == 'e' || s[i] == 'E')) {
                i++
                if (i < s.length && (s[i] == '+' || s[i] == '-')) i++
                if (atEnd() || s[i] !in '0'..'9') fail("bad number")
                while (i < s.length && s[i] in '0'..'9') i++
            }
            return s.substring(start, i).toDouble()
        }
    }
}
