package hrkeras.pose

/**
 * The top-down crop of hrkeras (training/data/geometry.py and warp.py): a person box becomes a
 * [center] and a [scale] (the box padded by 1.25 and widened or heightened to the input's aspect
 * ratio), and the image point p maps to the input (crop) point (p - center) * W / scaleX + (W, H) / 2.
 * Pixel centers sit at integer coordinates.
 */
class CropTransform(
    val centerX: Double,
    val centerY: Double,
    val scaleX: Double,
    val scaleY: Double,
    /** Model input width and height in pixels. */
    val inputWidth: Int,
    val inputHeight: Int,
) {
    /** Crop pixels per image pixel (the same on both axes: [scaleX] / [scaleY] is the input's aspect ratio). */
    val zoom: Double get() = inputWidth / scaleX

    /** Image point -> crop point: the affine matrix TensorFlow's warp uses (no rotation). */
    fun imageToCropX(x: Double): Double = zoom * x + (inputWidth * 0.5 - zoom * centerX)
    fun imageToCropY(y: Double): Double = zoom * y + (inputHeight * 0.5 - zoom * centerY)

    /** Crop point -> image point, the inverse of [imageToCropX] (hrkeras' crop_to_image). */
    fun cropToImageX(x: Double): Double = x / inputWidth * scaleX + centerX - scaleX * 0.5
    fun cropToImageY(y: Double): Double = y / inputHeight * scaleY + centerY - scaleY * 0.5

    /** Keypoints in crop pixels -> image pixels. */
    fun toImage(points: Keypoints): Keypoints =
        points.map { x, y -> cropToImageX(x.toDouble()).toFloat() to cropToImageY(y.toDouble()).toFloat() }

    companion object {
        const val PADDING = 1.25

        /** The crop of [box] for an [inputWidth] x [inputHeight] model (geometry.bbox_to_center_scale). */
        fun of(box: Box, inputWidth: Int, inputHeight: Int, padding: Double = PADDING): CropTransform {
            val aspect = inputWidth.toDouble() / inputHeight
            var w = box.width * padding
            var h = box.height * padding
            if (w > h * aspect) h = w / aspect else w = h * aspect
            return CropTransform(box.x + box.width * 0.5, box.y + box.height * 0.5, w, h, inputWidth, inputHeight)
        }
    }
}
