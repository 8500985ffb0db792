package hrkeras.pose

import java.io.File
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue

/** The golden vectors written by the Python code (tests/fixtures/mobile_golden.py) in mobile/golden. */
object Golden {
    /** mobile/ (test.sh passes -Dhrkeras.mobile; else found from the working directory). */
    val mobile: File by lazy {
        System.getProperty("hrkeras.mobile")?.let(::File)
            ?: generateSequence(File("").absoluteFile) { it.parentFile }
                .map { File(it, "mobile") }.firstOrNull { File(it, "golden/codec.json").isFile }
            ?: error("mobile/golden not found: run from the repository or pass -Dhrkeras.mobile=<repo>/mobile")
    }

    fun json(name: String): Any? = Json.parse(File(mobile, "golden/$name").readText())

    fun modelFile(name: String): ByteArray = File(mobile, "golden/metadata/$name").readBytes()

    @Suppress("UNCHECKED_CAST")
    fun map(v: Any?): Map<String, Any?> = v as Map<String, Any?>

    fun list(v: Any?): List<Any?> = v as List<Any?>

    fun doubles(v: Any?): DoubleArray = list(v).map { it as Double }.toDoubleArray()

    fun floats(v: Any?): FloatArray = list(v).map { (it as Double).toFloat() }.toFloatArray()

    fun ints(v: Any?): IntArray = list(v).map { (it as Double).toInt() }.toIntArray()
}

/** Asserts |actual - expected| <= tolerance, element by element, naming the first that is off. */
fun assertClose(what: String, expected: DoubleArray, actual: DoubleArray, tolerance: Double) {
    assertEquals("$what: length", expected.size, actual.size)
    for (i in expected.indices) {
        assertTrue("$what[$i]: ${actual[i]} vs ${expected[i]} (tolerance $tolerance)", Math.abs(actual[i] - expected[i]) <= tolerance)
    }
}

fun assertClose(what: String, expected: Double, actual: Double, tolerance: Double) =
    assertClose(what, doubleArrayOf(expected), doubleArrayOf(actual), tolerance)

fun FloatArray.toDoubles(): DoubleArray = DoubleArray(size) { this[it].toDouble() }

/** Keypoints as [x0, y0, x1, y1, ...]. */
fun Keypoints.flatXY(): DoubleArray = DoubleArray(2 * size) { if (it % 2 == 0) x[it / 2].toDouble() else y[it / 2].toDouble() }
