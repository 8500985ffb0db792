package hrkeras.pose

import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The tracking crop: whole frame, then a smoothed box around the last keypoints, whole frame again when lost. */
class TrackingTest {
    private fun person(dx: Float = 0f, score: Float = 0.9f): Keypoints {
        // Six keypoints spanning x 200..300, y 100..460 of a 640x480 frame, shifted by dx.
        val x = floatArrayOf(200f, 300f, 250f, 200f, 300f, 250f).map { it + dx }.toFloatArray()
        val y = floatArrayOf(100f, 100f, 250f, 460f, 460f, 300f)
        return Keypoints(x, y, FloatArray(6) { score })
    }

    @Test fun boxAroundConfidentKeypoints() {
        val points = Keypoints(floatArrayOf(0f, 10f, 4f, 100f), floatArrayOf(0f, 5f, 20f, 100f), floatArrayOf(0.9f, 0.8f, 0.7f, 0.1f))
        assertEquals(Box(0.0, 0.0, 10.0, 20.0), Box.around(points, 0.5f))
        assertNull(Box.around(points, 0.75f))
        assertEquals(Box(-1.0, -2.0, 12.0, 24.0), Box.around(points, 0.5f, margin = 0.1))
        assertNull(Box.around(points, 0.5f, minSize = 50.0))
        assertEquals(Box(0.0, 5.0, 20.0, 45.0), Box(-10.0, 5.0, 30.0, 500.0).clip(100, 50))
        assertNull(Box(200.0, 0.0, 10.0, 10.0).clip(100, 50))
    }

    @Test fun wholeFrameFirstThenTheGrownBox() {
        val tracker = PoseTracker(threshold = 0.5f)
        assertNull("no box before any keypoints", tracker.box)
        tracker.update(person(), 640, 480, 0.0)
        // 100 x 360 grown by 15 % on each side (x 185..315, y 46..514), then clipped to the frame's bottom edge.
        assertEquals(Box(185.0, 46.0, 130.0, 434.0), tracker.box)
    }

    @Test fun theBoxIsSmoothed() {
        val tracker = PoseTracker(threshold = 0.5f)
        tracker.update(person(), 640, 480, 0.0)
        tracker.update(person(dx = 6f), 640, 480, 1 / 30.0)
        val box = tracker.box!!
        assertTrue("moved toward the new place: ${box.x}", box.x > 185.0)
        assertTrue("but less than the 6 px the keypoints moved: ${box.x}", box.x < 185.0 + 6 * 0.5)
        assertEquals(130.0, box.width, 1.0)
    }

    @Test fun lostPersonMeansWholeFrameAndAFreshFilter() {
        val tracker = PoseTracker(threshold = 0.5f)
        tracker.update(person(), 640, 480, 0.0)
        tracker.update(person(score = 0.2f), 640, 480, 1 / 30.0)
        assertNull("lost: back to the whole frame", tracker.box)
        tracker.update(person(dx = 100f), 640, 480, 2 / 30.0)
        // Not smoothed toward the old place: the filter was reset.
        assertEquals(285.0, tracker.box!!.x, 1e-9)
    }

    @Test fun tooSmallAPersonIsLost() {
        val tracker = PoseTracker(threshold = 0.5f)
        val tiny = Keypoints(FloatArray(6) { 300f + it * 4 }, FloatArray(6) { 200f + it * 4 }, FloatArray(6) { 0.9f })
        tracker.update(tiny, 640, 480, 0.0)
        assertNull("20 px < 10 % of 480", tracker.box)
        tracker.update(person(), 640, 480, 0.1)
        assertNotNull(tracker.box)
    }
}
