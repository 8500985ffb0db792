package hrkeras.pose

import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Test

/** The decoder against what hrkeras.codecs.MSRAHeatmap decodes from the same heatmaps (mobile/golden/codec.json). */
class HeatmapDecoderTest {
    private val cases = Golden.list(Golden.json("codec.json")).map(Golden::map)

    private fun decode(case: Map<String, Any?>, method: DecodeMethod): Keypoints {
        val (h, w, k) = Golden.ints(case["shape"]).toList()
        val stride = Golden.floats(case["stride"])
        val decoder = HeatmapDecoder(h, w, k, method, stride[0], stride[1], (case["blur_kernel_size"] as Double).toInt())
        return decoder.decode(Golden.floats(case["heatmaps"]))
    }

    private fun expected(case: Map<String, Any?>, method: DecodeMethod): Map<String, Any?> =
        Golden.map(Golden.map(case["decoded"])[method.key])

    private fun checkMethod(method: DecodeMethod) {
        assertEquals("golden cases", 4, cases.size)
        for (case in cases) {
            val got = decode(case, method)
            val want = expected(case, method)
            val xy = Golden.list(want["keypoints"]).flatMap { Golden.doubles(it).toList() }.toDoubleArray()
            assertClose("${case["name"]} ${method.key} keypoints", xy, got.flatXY(), 1e-4)
            assertClose("${case["name"]} ${method.key} scores", Golden.doubles(want["scores"]), got.scores.toDoubles(), 1e-6)
        }
    }

    @Test fun argmaxMatchesPython() = checkMethod(DecodeMethod.ARGMAX)

    @Test fun quarterOffsetMatchesPython() = checkMethod(DecodeMethod.QUARTER)

    @Test fun darkMatchesPython() = checkMethod(DecodeMethod.DARK)

    @Test fun goldenCasesTellTheMethodsApart() {
        // Otherwise a decoder that ignored the method would pass the three tests above.
        val gaussian = cases.first { it["name"] == "gaussian" }
        val argmax = decode(gaussian, DecodeMethod.ARGMAX).flatXY()
        val quarter = decode(gaussian, DecodeMethod.QUARTER).flatXY()
        val dark = decode(gaussian, DecodeMethod.DARK).flatXY()
        assertTrue("quarter moves points", argmax.indices.any { Math.abs(argmax[it] - quarter[it]) > 0.5 })
        assertTrue("dark moves points off the quarter grid", dark.indices.any { Math.abs(dark[it] - quarter[it]) > 0.05 })
    }

    @Test fun strideFromMetadataAndWrongSizeNamed() {
        val info = PoseInfo.fromModelFile(Golden.modelFile("pose.tflite"))
        val decoder = HeatmapDecoder.forModel(info)
        assertEquals(4f, decoder.strideX)
        assertEquals(4f, decoder.strideY)
        assertEquals(DecodeMethod.QUARTER, decoder.method)
        val e = assertThrows(IllegalArgumentException::class.java) { decoder.decode(FloatArray(10)) }
        assertTrue(e.message!!, e.message!!.contains("10 values, expected 4x4x17"))
    }

    @Test fun decodeMethodNamesItsChoices() {
        assertEquals(DecodeMethod.DARK, DecodeMethod.of("dark"))
        val e = assertThrows(IllegalArgumentException::class.java) { DecodeMethod.of("soft-argmax") }
        assertTrue(e.message!!, e.message!!.contains("use dark, quarter or argmax"))
    }
}
