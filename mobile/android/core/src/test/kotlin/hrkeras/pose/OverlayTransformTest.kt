package hrkeras.pose

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Test

/** Frame -> view mapping of the skeleton overlay under letterboxing, cutting and mirroring. */
class OverlayTransformTest {
    @Test fun fitLetterboxesAPortraitView() {
        // A 640x480 frame in a 1080x1920 portrait view: width fits (1.6875 view px per frame px), bars above and below.
        val t = OverlayTransform(640, 480, 1080f, 1920f, ScaleMode.FIT)
        assertEquals(1.6875f, t.scale, 0f)
        assertEquals(0f, t.offsetX, 0f)
        assertEquals((1920f - 480 * 1.6875f) / 2, t.offsetY, 1e-4f)
        assertArrayEquals(floatArrayOf(0f, 555f, 1080f, 1365f), t.frameRect(), 1e-3f)
        // The centre of the frame is the centre of the view; pixel (0, 0)'s centre is half a pixel in.
        assertEquals(540f, t.viewX(319.5f), 1e-4f)
        assertEquals(960f, t.viewY(239.5f), 1e-4f)
        assertEquals(0.84375f, t.viewX(0f), 1e-5f)
        assertEquals(555.84375f, t.viewY(0f), 1e-3f)
    }

    @Test fun fillCutsTheFrame() {
        // The same frame filling the view: height fits (4 view px per frame px), the sides are cut off.
        val t = OverlayTransform(640, 480, 1080f, 1920f, ScaleMode.FILL)
        assertEquals(4f, t.scale, 0f)
        assertEquals((1080f - 2560f) / 2, t.offsetX, 0f)
        assertEquals(0f, t.offsetY, 0f)
        assertEquals(540f, t.viewX(319.5f), 1e-4f)
        // Frame column 185 is the first one that shows (the cut is 740 view px = 185 frame px).
        assertEquals(2f, t.viewX(185f), 1e-4f)
    }

    @Test fun mirroringSwapsLeftAndRight() {
        val plain = OverlayTransform(640, 480, 1080f, 1920f, ScaleMode.FIT)
        val mirror = OverlayTransform(640, 480, 1080f, 1920f, ScaleMode.FIT, mirrored = true)
        // A point on the frame's left shows on the view's right, at the same distance from the edge.
        assertEquals(1080f - plain.viewX(10f), mirror.viewX(10f), 1e-3f)
        assertEquals(plain.viewX(629f), mirror.viewX(10f), 1e-3f)
        assertEquals(plain.viewY(100f), mirror.viewY(100f), 0f)
        assertEquals(540f, mirror.viewX(319.5f), 1e-4f)
        // Mirroring inside letterbox bars: the bars stay where they are.
        val bars = OverlayTransform(640, 480, 1920f, 1080f, ScaleMode.FIT, mirrored = true)
        assertEquals(240f, bars.offsetX, 1e-4f)
        assertEquals(2.25f, bars.scale, 0f)
        assertEquals(1680f - 2.25f / 2, bars.viewX(0f), 1e-3f)
    }

    @Test fun viewToFrameInvertsFrameToView() {
        for (mode in ScaleMode.entries) for (mirrored in listOf(false, true)) {
            val t = OverlayTransform(480, 640, 1000f, 700f, mode, mirrored)
            for ((x, y) in listOf(0f to 0f, 123.25f to 456.5f, 479f to 639f)) {
                assertEquals("$mode $mirrored x", x, t.frameX(t.viewX(x)), 1e-3f)
                assertEquals("$mode $mirrored y", y, t.frameY(t.viewY(y)), 1e-3f)
            }
        }
    }

    @Test fun keypointsMapWithTheirScores() {
        val t = OverlayTransform(100, 100, 200f, 200f, mirrored = true)
        val view = t.toView(Keypoints(floatArrayOf(0f, 99f), floatArrayOf(0f, 99f), floatArrayOf(0.9f, 0.1f)))
        assertArrayEquals(floatArrayOf(199f, 1f), view.x, 1e-5f)
        assertArrayEquals(floatArrayOf(1f, 199f), view.y, 1e-5f)
        assertArrayEquals(floatArrayOf(0.9f, 0.1f), view.scores, 0f)
    }
}
