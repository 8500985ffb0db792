package hrkeras.pose

/** Which side of the body a keypoint is on, from its name (`left_*`, `right_*`, else the middle). */
enum class Side(
    /** Drawing colour, ARGB (the colours of hrkeras' Pose.draw and the browser demo). */
    val argb: Int,
) {
    LEFT(0xFF40A0FF.toInt()), RIGHT(0xFFFF5050.toInt()), CENTER(0xFF40FF80.toInt());

    companion object {
        fun of(name: String): Side = when {
            name.startsWith("left") -> LEFT
            name.startsWith("right") -> RIGHT
            else -> CENTER
        }
    }
}

/** A limb between keypoints [a] and [b], drawn in [side]'s colour. */
data class Limb(val a: Int, val b: Int, val side: Side)

/** The keypoint names and limbs of a model, with the side of each (left blue, right red, middle green). */
class Skeleton(val names: List<String>, pairs: List<Pair<Int, Int>>) {
    val sides: List<Side> = names.map(Side::of)

    /** A limb joining two sides (e.g. shoulder to shoulder) is drawn as the middle. */
    val limbs: List<Limb> = pairs.map { (a, b) ->
        require(a in names.indices && b in names.indices) { "limb ($a, $b) names a keypoint past the ${names.size} listed" }
        Limb(a, b, if (sides[a] == sides[b]) sides[a] else Side.CENTER)
    }

    /** Limbs whose two keypoints both score at least [threshold]. */
    fun visibleLimbs(points: Keypoints, threshold: Float): List<Limb> =
        limbs.filter { minOf(points.scores[it.a], points.scores[it.b]) >= threshold }

    /** Indices of keypoints scoring at least [threshold]. */
    fun visibleJoints(points: Keypoints, threshold: Float): List<Int> =
        names.indices.filter { points.scores[it] >= threshold }

    companion object {
        fun of(info: PoseInfo) = Skeleton(info.names, info.skeleton)
    }
}
