package hrkeras.pose

import org.junit.Assert.assertEquals
import org.junit.Test

/** Sides and colours as hrkeras' Pose.draw draws them (left blue, right red, the middle green). */
class SkeletonTest {
    private val info = PoseInfo.fromModelFile(Golden.modelFile("pose.tflite"))
    private val skeleton = Skeleton.of(info)

    @Test fun colorsAreThoseOfPythonsPoseDraw() {
        // hrkeras/inferencer.py SIDE_COLORS: left (64, 160, 255), right (255, 80, 80), center (64, 255, 128).
        assertEquals(0xFF40A0FF.toInt(), Side.LEFT.argb)
        assertEquals(0xFFFF5050.toInt(), Side.RIGHT.argb)
        assertEquals(0xFF40FF80.toInt(), Side.CENTER.argb)
    }

    @Test fun sidesComeFromTheNames() {
        assertEquals(Side.CENTER, skeleton.sides[0]) // nose
        assertEquals(Side.LEFT, skeleton.sides[info.names.indexOf("left_wrist")])
        assertEquals(Side.RIGHT, skeleton.sides[info.names.indexOf("right_ankle")])
        assertEquals(listOf(8, 8, 1), Side.entries.map { s -> skeleton.sides.count { it == s } })
    }

    @Test fun limbsJoiningSidesAreTheMiddle() {
        fun side(a: String, b: String) = skeleton.limbs.single {
            setOf(info.names[it.a], info.names[it.b]) == setOf(a, b)
        }.side
        assertEquals(Side.LEFT, side("left_ankle", "left_knee"))
        assertEquals(Side.RIGHT, side("right_shoulder", "right_elbow"))
        assertEquals(Side.CENTER, side("left_shoulder", "right_shoulder"))
        assertEquals(Side.CENTER, side("nose", "left_eye"))
        assertEquals(19, skeleton.limbs.size)
    }

    @Test fun onlyConfidentLimbsAndJointsAreDrawn() {
        val scores = FloatArray(17) { 0.9f }
        scores[info.names.indexOf("left_knee")] = 0.2f
        val points = Keypoints(FloatArray(17), FloatArray(17), scores)
        val limbs = skeleton.visibleLimbs(points, 0.3f)
        assertEquals(17, limbs.size) // ankle-knee and knee-hip hidden
        assertEquals(16, skeleton.visibleJoints(points, 0.3f).size)
    }
}
