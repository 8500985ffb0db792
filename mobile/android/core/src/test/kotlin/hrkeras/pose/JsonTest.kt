package hrkeras.pose

import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Test

class JsonTest {
    @Test fun valuesOfEveryKind() {
        val v = Json.parse(""" {"a": [1, -2.5e2, true, false, null], "s": "x\"\\\/\n\u00e9", "o": {}} """)
        assertEquals(mapOf("a" to listOf(1.0, -250.0, true, false, null), "s" to "x\"\\/\n\u00e9", "o" to emptyMap<String, Any?>()), v)
    }

    @Test fun badTextIsRefusedWithAPosition() {
        for (bad in listOf("""{"x": 1,""", "[1 2]", "{'x': 1}", "01", "[1,]", "\"a", "{} x", "")) {
            val e = assertThrows(bad, IllegalArgumentException::class.java) { Json.parse(bad) }
            assertTrue(e.message!!, e.message!!.startsWith("bad JSON at character"))
        }
    }
}
