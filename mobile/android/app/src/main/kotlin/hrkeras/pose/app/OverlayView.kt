package hrkeras.pose.app

import android.content.Context
import android.graphics.Canvas
import android.graphics.Paint
import android.util.AttributeSet
import android.view.View
import hrkeras.pose.OverlayTransform
import hrkeras.pose.ScaleMode
import hrkeras.pose.Skeleton

/** Draws the skeleton over the camera preview: limbs and joints above [threshold], coloured by side. */
class OverlayView(context: Context, attrs: AttributeSet? = null) : View(context, attrs) {
    private var result: FrameResult? = null
    private var skeleton: Skeleton? = null
    private var mode = ScaleMode.FILL
    private var mirrored = false
    var threshold = 0.3f

    private val limbPaint = Paint(Paint.ANTI_ALIAS_FLAG).apply { style = Paint.Style.STROKE; strokeCap = Paint.Cap.ROUND }
    private val jointPaint = Paint(Paint.ANTI_ALIAS_FLAG).apply { style = Paint.Style.FILL }
    private val boxPaint = Paint(Paint.ANTI_ALIAS_FLAG).apply { style = Paint.Style.STROKE; color = 0x80FFD740.toInt() }

    /** Shows [result] drawn as the preview shows its frame ([mode], [mirrored] for a front camera). */
    fun show(result: FrameResult?, skeleton: Skeleton?, mode: ScaleMode, mirrored: Boolean) {
        this.result = result
        this.skeleton = skeleton
        this.mode = mode
        this.mirrored = mirrored
        invalidate()
    }

    override fun onDraw(canvas: Canvas) {
        super.onDraw(canvas)
        val result = result ?: return
        val skeleton = skeleton ?: return
        if (width == 0 || height == 0) return
        val t = OverlayTransform(result.frameWidth, result.frameHeight, width.toFloat(), height.toFloat(), mode, mirrored)
        val points = t.toView(result.pose.keypoints)
        val line = maxOf(4f, maxOf(width, height) / 200f)
        limbPaint.strokeWidth = line
        boxPaint.strokeWidth = line / 2
        val box = result.pose.box
        val (x0, x1) = listOf(t.viewX(box.x.toFloat() - 0.5f), t.viewX(box.right.toFloat() - 0.5f)).sorted()
        canvas.drawRect(x0, t.viewY(box.y.toFloat() - 0.5f), x1, t.viewY(box.bottom.toFloat() - 0.5f), boxPaint)
        for (limb in skeleton.visibleLimbs(points, threshold)) {
            limbPaint.color = limb.side.argb
            canvas.drawLine(points.x[limb.a], points.y[limb.a], points.x[limb.b], points.y[limb.b], limbPaint)
        }
        for (k in skeleton.visibleJoints(points, threshold)) {
            jointPaint.color = skeleton.sides[k].argb
            canvas.drawCircle(points.x[k], points.y[k], 1.5f * line, jointPaint)
        }
    }
}
