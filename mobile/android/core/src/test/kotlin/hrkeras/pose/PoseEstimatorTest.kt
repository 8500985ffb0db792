package hrkeras.pose

import java.nio.ByteBuffer
import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Test

/** The whole pipeline with recorded heatmaps in place of LiteRT (the app's model implements the same interface). */
class PoseEstimatorTest {
    private val golden = Golden.map(Golden.json("geometry.json"))
    private val image = Golden.map(golden["image"])
    private val rgb = Golden.ints(image["rgb"])
    private val width = (image["width"] as Double).toInt()
    private val height = (image["height"] as Double).toInt()
    private val case = Golden.map(Golden.list(golden["cases"])[1]) // box [5.5, 3.25, 12, 15], input 12 x 16

    private val info = PoseInfo(
        hrkerasVersion = "test", model = "recorded", quantization = "float32",
        inputHeight = 16, inputWidth = 12, mean = Golden.floats(golden["mean"]), std = Golden.floats(golden["std"]),
        heatmapHeight = 4, heatmapWidth = 3, decode = DecodeMethod.ARGMAX, blurKernelSize = 11,
        names = listOf("nose", "left_eye"), skeleton = listOf(0 to 1), flipPairs = emptyList(),
    )

    /** Returns [heatmaps] and keeps the input it was given. */
    private class RecordedModel(override val info: PoseInfo, val heatmaps: FloatArray) : PoseModel {
        var input: FloatArray? = null
        override fun run(input: FloatArray): FloatArray {
            this.input = input.copyOf()
            return heatmaps
        }
    }

    private fun frame(): RgbaFrame {
        val bytes = ByteArray(width * height * 4)
        for (i in 0 until width * height) {
            for (c in 0 until 3) bytes[4 * i + c] = rgb[3 * i + c].toByte()
            bytes[4 * i + 3] = -1
        }
        return RgbaFrame(ByteBuffer.wrap(bytes), width, height)
    }

    @Test fun cropRunDecodeAndBackToTheFrame() {
        // Heatmaps 4 x 3 x 2: keypoint 0 peaks at heatmap (x 1, y 2), keypoint 1 at (2, 0) with score 0.25.
        val heatmaps = FloatArray(4 * 3 * 2)
        heatmaps[(2 * 3 + 1) * 2 + 0] = 1f
        heatmaps[(0 * 3 + 2) * 2 + 1] = 0.25f
        val model = RecordedModel(info, heatmaps)
        val box = Golden.doubles(case["box"])
        val result = PoseEstimator(model).estimate(frame(), Box(box[0], box[1], box[2], box[3]))
        // The model saw exactly the crop TensorFlow makes of that box.
        assertClose("model input", Golden.doubles(case["crop"]), model.input!!.toDoubles(), 2e-5)
        // Heatmap (1, 2) is input (4, 8); back in the frame with the golden center and scale.
        val (cx, cy) = Golden.doubles(case["center"]).toList()
        val (sx, sy) = Golden.doubles(case["scale"]).toList()
        assertEquals(4.0 / 12 * sx + cx - sx / 2, result.keypoints.x[0].toDouble(), 1e-4)
        assertEquals(8.0 / 16 * sy + cy - sy / 2, result.keypoints.y[0].toDouble(), 1e-4)
        assertEquals(8.0 / 12 * sx + cx - sx / 2, result.keypoints.x[1].toDouble(), 1e-4)
        assertEquals(0.25f, result.keypoints.scores[1])
        assertTrue(result.totalMs >= 0)
    }

    @Test fun noBoxMeansTheWholeFrame() {
        val model = RecordedModel(info, FloatArray(24))
        val result = PoseEstimator(model).estimate(frame())
        assertEquals(Box(0.0, 0.0, 31.0, 23.0), result.box)
        assertEquals(15.5, result.crop.centerX, 1e-12)
    }

    @Test fun aModelThatBreaksItsMetadataIsNamed() {
        val e = assertThrows(IllegalStateException::class.java) {
            PoseEstimator(RecordedModel(info, FloatArray(7))).estimate(frame())
        }
        assertTrue(e.message!!, e.message!!.contains("gave 7 values") && e.message!!.contains("4x3x2"))
    }
}
