package hrkeras.pose

import java.nio.ByteBuffer
import java.util.Random
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Test

/** Crop geometry and pixels against hrkeras' geometry.py and TensorFlow's warp (mobile/golden/geometry.json). */
class CropTest {
    private val golden = Golden.map(Golden.json("geometry.json"))
    private val image = Golden.map(golden["image"])
    private val width = (image["width"] as Double).toInt()
    private val height = (image["height"] as Double).toInt()
    private val rgb = Golden.ints(image["rgb"])
    private val mean = Golden.floats(golden["mean"])
    private val std = Golden.floats(golden["std"])
    private val cases = Golden.list(golden["cases"]).map(Golden::map)

    /** The golden image as RGBA bytes, with [pad] spare bytes after each row. */
    private fun rgba(pad: Int = 0): ByteArray {
        val stride = width * 4 + pad
        val out = ByteArray(stride * height) { 77 }
        for (y in 0 until height) for (x in 0 until width) {
            for (c in 0 until 3) out[y * stride + x * 4 + c] = rgb[(y * width + x) * 3 + c].toByte()
            out[y * stride + x * 4 + 3] = 255.toByte()
        }
        return out
    }

    private fun cropOf(case: Map<String, Any?>): CropTransform {
        val box = Golden.doubles(case["box"])
        val (inW, inH) = Golden.ints(case["input_size"]).toList()
        return CropTransform.of(Box(box[0], box[1], box[2], box[3]), inW, inH)
    }

    @Test fun boxToCenterAndScaleAsPython() {
        for ((n, case) in cases.withIndex()) {
            val crop = cropOf(case)
            assertClose("case $n center", Golden.doubles(case["center"]), doubleArrayOf(crop.centerX, crop.centerY), 1e-9)
            assertClose("case $n scale", Golden.doubles(case["scale"]), doubleArrayOf(crop.scaleX, crop.scaleY), 1e-9)
        }
    }

    @Test fun cropToImageAsPython() {
        for ((n, case) in cases.withIndex()) {
            val crop = cropOf(case)
            val points = Golden.list(case["points"]).map(Golden::doubles)
            val want = Golden.list(case["image_points"]).flatMap { Golden.doubles(it).toList() }.toDoubleArray()
            val got = points.flatMap { listOf(crop.cropToImageX(it[0]), crop.cropToImageY(it[1])) }.toDoubleArray()
            assertClose("case $n image points", want, got, 1e-9)
        }
    }

    @Test fun affineRoundTripIsExact() {
        val random = Random(7)
        for ((n, case) in cases.withIndex()) {
            val crop = cropOf(case)
            repeat(200) {
                val x = random.nextDouble() * 400 - 100
                val y = random.nextDouble() * 400 - 100
                val cx = crop.imageToCropX(x)
                val cy = crop.imageToCropY(y)
                assertClose("case $n x", x, crop.cropToImageX(cx), 1e-4)
                assertClose("case $n y", y, crop.cropToImageY(cy), 1e-4)
            }
            // The crop's corners are the padded box's corners: the map is the one TensorFlow warps with.
            assertClose("case $n left edge", crop.centerX - crop.scaleX / 2, crop.cropToImageX(0.0), 1e-9)
            assertClose("case $n zoom", crop.inputWidth / crop.scaleX, crop.imageToCropX(1.0) - crop.imageToCropX(0.0), 1e-12)
            assertClose("case $n same zoom on y", crop.inputHeight / crop.scaleY, crop.zoom, 1e-9)
        }
    }

    @Test fun cropPixelsEqualTensorFlowWarpAndNormalize() {
        for (pad in listOf(0, 12)) {
            val frame = RgbaFrame(ByteBuffer.wrap(rgba(pad)), width, height, rowStride = width * 4 + pad)
            for ((n, case) in cases.withIndex()) {
                val got = frame.cropNormalized(cropOf(case), mean, std)
                assertClose("case $n crop (row padding $pad)", Golden.doubles(case["crop"]), got.toDoubles(), 2e-5)
            }
        }
    }

    @Test fun cropReadsZerosOutsideTheFrame() {
        // Case 2's box starts at x = -4: its left crop columns lie outside the image and hold (0 - mean) / std.
        val case = cases[2]
        val got = RgbaFrame.of(rgba(), width, height).cropNormalized(cropOf(case), mean, std)
        for (c in 0 until 3) assertEquals(-mean[c] / std[c], got[c], 1e-6f)
    }

    /** RGBA [w] x [h] turned a quarter counter-clockwise: pixel (x, y) moves to (y, w - 1 - x). */
    private fun quarterCounterClockwise(bytes: ByteArray, w: Int, h: Int): ByteArray {
        val out = ByteArray(bytes.size)
        for (y in 0 until h) for (x in 0 until w) System.arraycopy(bytes, (y * w + x) * 4, out, ((w - 1 - x) * h + y) * 4, 4)
        return out
    }

    /** The upright golden image as a sensor delivers it when it must be turned [degrees] clockwise to be upright. */
    private fun sensorImage(degrees: Int): Triple<ByteArray, Int, Int> {
        var bytes = rgba()
        var (w, h) = width to height
        repeat(degrees / 90) {
            bytes = quarterCounterClockwise(bytes, w, h)
            w = h.also { h = w }
        }
        return Triple(bytes, w, h)
    }

    @Test fun rotatedFramesAreCroppedUpright() {
        val want = RgbaFrame.of(rgba(), width, height).cropNormalized(cropOf(cases[1]), mean, std)
        for (degrees in listOf(90, 180, 270)) {
            val (bytes, bw, bh) = sensorImage(degrees)
            val frame = RgbaFrame(ByteBuffer.wrap(bytes), bw, bh, rotationDegrees = degrees)
            assertEquals("upright width at $degrees", width, frame.width)
            assertEquals("upright height at $degrees", height, frame.height)
            assertArrayEquals("crop at $degrees degrees", want, frame.cropNormalized(cropOf(cases[1]), mean, std), 0f)
        }
    }

    @Test fun rotationTurnsClockwise() {
        // A 2x1 buffer [red, blue] turned 90 degrees clockwise is a 1x2 upright frame: red on top.
        val buffer = byteArrayOf(255.toByte(), 0, 0, 255.toByte(), 0, 0, 255.toByte(), 255.toByte())
        val frame = RgbaFrame(ByteBuffer.wrap(buffer), 2, 1, rotationDegrees = 90)
        assertEquals(1, frame.width)
        assertEquals(2, frame.height)
        assertEquals(255, frame.channel(0, 0, 0))
        assertEquals(255, frame.channel(0, 1, 2))
    }

    @Test fun cropRectangleIsTheFrame() {
        // The region x 5..25, y 3..20 of the golden image, seen as its own frame.
        val frame = RgbaFrame(ByteBuffer.wrap(rgba()), width, height, cropLeft = 5, cropTop = 3, cropRight = 25, cropBottom = 20)
        assertEquals(20, frame.width)
        assertEquals(17, frame.height)
        for (c in 0 until 3) assertEquals(rgb[(3 * width + 5) * 3 + c], frame.channel(0, 0, c))
        for (c in 0 until 3) assertEquals(rgb[(19 * width + 24) * 3 + c], frame.channel(19, 16, c))
        assertEquals(0, frame.channel(20, 0, 0))
    }

    @Test fun badFramesAreNamed() {
        val bytes = ByteBuffer.wrap(ByteArray(16))
        val short = assertThrows(IllegalArgumentException::class.java) { RgbaFrame(bytes, 4, 4) }
        assertTrue(short.message!!, short.message!!.contains("too few"))
        val turn = assertThrows(IllegalArgumentException::class.java) { RgbaFrame(bytes, 2, 2, rotationDegrees = 45) }
        assertTrue(turn.message!!, turn.message!!.contains("0, 90, 180 or 270"))
    }
}
