package hrkeras.pose.app

import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import hrkeras.pose.FrameRate
import hrkeras.pose.PoseEstimator
import hrkeras.pose.PoseResult
import hrkeras.pose.PoseTracker
import hrkeras.pose.RgbaFrame

/** What one analysed frame gives the screen: the pose in upright frame pixels, the frame's size, and the stats. */
class FrameResult(val pose: PoseResult, val frameWidth: Int, val frameHeight: Int, val fps: Double?)

/**
 * CameraX analyzer (RGBA_8888 frames, keep only the latest): the tracking crop, the model, the decode, all
 * on the analysis thread, which also owns the model. [onResult] is called on that thread.
 */
class PoseAnalyzer(private val onResult: (FrameResult) -> Unit, private val onError: (Exception) -> Unit) : ImageAnalysis.Analyzer {
    private var estimator: PoseEstimator? = null
    private val tracker = PoseTracker()
    private val frameRate = FrameRate()
    private var lastSize = 0 to 0

    /** Takes a new model (closing the old one); call on the analysis thread. */
    fun setModel(model: LiteRtPoseModel?) {
        estimator?.model?.close()
        estimator = model?.let(::PoseEstimator)
        tracker.reset()
    }

    /** Back to the whole frame (e.g. after switching cameras); call on the analysis thread. */
    fun resetTracking() = tracker.reset()

    override fun analyze(image: ImageProxy) {
        image.use {
            val estimator = estimator ?: return
            val plane = image.planes[0]
            val crop = image.cropRect
            val frame = RgbaFrame(
                plane.buffer, image.width, image.height, plane.rowStride, image.imageInfo.rotationDegrees,
                crop.left, crop.top, crop.right, crop.bottom,
            )
            if (lastSize != frame.width to frame.height) { // rotated or resized: the old box means nothing
                lastSize = frame.width to frame.height
                tracker.reset()
            }
            val seconds = image.imageInfo.timestamp / 1e9
            try {
                val pose = estimator.estimate(frame, tracker.box)
                tracker.update(pose.keypoints, frame.width, frame.height, seconds)
                onResult(FrameResult(pose, frame.width, frame.height, frameRate.tick(seconds)))
            } catch (e: Exception) {
                onError(e)
            }
        }
    }
}
