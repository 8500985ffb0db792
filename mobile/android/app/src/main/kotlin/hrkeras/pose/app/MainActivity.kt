package hrkeras.pose.app

import android.Manifest
import android.app.AlertDialog
import android.content.pm.PackageManager
import android.os.Bundle
import android.util.Size
import android.widget.Button
import android.widget.TextView
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.Preview
import androidx.camera.core.UseCaseGroup
import androidx.camera.core.resolutionselector.ResolutionSelector
import androidx.camera.core.resolutionselector.ResolutionStrategy
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.core.content.ContextCompat
import hrkeras.pose.ModelFileException
import hrkeras.pose.ScaleMode
import hrkeras.pose.Skeleton
import java.util.Locale
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

/**
 * The screen: camera preview with the skeleton over it, the model and accelerator in use, FPS and
 * inference time, and buttons for the model, the camera and the preview's scaling (fit with bars, or fill).
 */
class MainActivity : ComponentActivity() {
    private lateinit var preview: PreviewView
    private lateinit var overlay: OverlayView
    private lateinit var stats: TextView
    private lateinit var scaleButton: Button

    /** The analysis thread: it owns the model (LiteRT objects are used from one thread). */
    private val analysisThread: ExecutorService = Executors.newSingleThreadExecutor()
    private val analyzer = PoseAnalyzer(::showResult, ::showError)

    private var front = true
    private var mode = ScaleMode.FILL
    private var skeleton: Skeleton? = null
    private var modelLine = ""

    private val askCamera = registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) preview.post { bindCamera() } else stats.setText(R.string.no_camera_permission)
    }

    private val pickModel = registerForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
        if (uri != null) loadModel { ModelSource.copyPicked(this, uri) }
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        preview = findViewById(R.id.preview)
        overlay = findViewById(R.id.overlay)
        stats = findViewById(R.id.stats)
        scaleButton = findViewById(R.id.scale)
        preview.implementationMode = PreviewView.ImplementationMode.COMPATIBLE // a TextureView: the overlay stays on top
        findViewById<Button>(R.id.model).setOnClickListener { chooseModel() }
        findViewById<Button>(R.id.camera).setOnClickListener {
            front = !front
            bindCamera()
        }
        scaleButton.setOnClickListener {
            mode = if (mode == ScaleMode.FILL) ScaleMode.FIT else ScaleMode.FILL
            bindCamera()
        }
        ModelSource.bundled(this).firstOrNull()?.let { first -> loadModel { first } }
        if (ContextCompat.checkSelfPermission(this, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED) {
            preview.post { bindCamera() }
        } else {
            askCamera.launch(Manifest.permission.CAMERA)
        }
    }

    override fun onDestroy() {
        super.onDestroy()
        analysisThread.execute { analyzer.setModel(null) }
        analysisThread.shutdown()
    }

    private fun chooseModel() {
        val bundled = ModelSource.bundled(this)
        val names = bundled.map { it.displayName } + getString(R.string.choose_file)
        AlertDialog.Builder(this)
            .setTitle(R.string.model)
            .setItems(names.toTypedArray()) { _, which ->
                if (which < bundled.size) loadModel { bundled[which] } else pickModel.launch(arrayOf("*/*"))
            }
            .show()
    }

    /** Reads, checks and compiles a model on the analysis thread, then swaps it in. */
    private fun loadModel(source: () -> ModelSource) {
        stats.text = getString(R.string.model) + "…"
        analysisThread.execute {
            try {
                val chosen = source()
                val model = LiteRtPoseModel.open(this, chosen)
                analyzer.setModel(model)
                val info = model.info
                val line = "${chosen.displayName}: ${info.model}, ${info.quantization}, " +
                    "${info.inputWidth}x${info.inputHeight}, decode ${info.decode.key}\nruns on ${model.acceleratorLabel}"
                runOnUiThread {
                    skeleton = Skeleton.of(info)
                    modelLine = line
                    stats.text = line
                }
            } catch (e: ModelFileException) {
                showError(e)
            } catch (e: Exception) {
                showError(RuntimeException("could not load the model: ${e.message ?: e}", e))
            }
        }
    }

    /** Binds preview and analysis in one group with the preview's viewport, so both see the same part of the sensor. */
    private fun bindCamera() {
        val future = ProcessCameraProvider.getInstance(this)
        future.addListener({
            val provider = future.get()
            preview.scaleType = if (mode == ScaleMode.FIT) PreviewView.ScaleType.FIT_CENTER else PreviewView.ScaleType.FILL_CENTER
            scaleButton.setText(if (mode == ScaleMode.FIT) R.string.scale_fill else R.string.scale_fit)
            val viewPort = preview.viewPort
            if (viewPort == null) { // not laid out yet
                preview.post { bindCamera() }
                return@addListener
            }
            val previewCase = Preview.Builder().build().also { it.setSurfaceProvider(preview.surfaceProvider) }
            val analysis = ImageAnalysis.Builder()
                .setOutputImageFormat(ImageAnalysis.OUTPUT_IMAGE_FORMAT_RGBA_8888)
                .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
                .setResolutionSelector(
                    ResolutionSelector.Builder()
                        .setResolutionStrategy(ResolutionStrategy(Size(640, 480), ResolutionStrategy.FALLBACK_RULE_CLOSEST_HIGHER_THEN_LOWER))
                        .build(),
                )
                .build()
                .also { it.setAnalyzer(analysisThread, analyzer) }
            val group = UseCaseGroup.Builder().setViewPort(viewPort).addUseCase(previewCase).addUseCase(analysis).build()
            val selector = if (front) CameraSelector.DEFAULT_FRONT_CAMERA else CameraSelector.DEFAULT_BACK_CAMERA
            analysisThread.execute { analyzer.resetTracking() }
            provider.unbindAll()
            try {
                provider.bindToLifecycle(this, selector, group)
            } catch (e: Exception) {
                showError(RuntimeException("cannot open the ${if (front) "front" else "back"} camera: ${e.message}", e))
            }
        }, ContextCompat.getMainExecutor(this))
    }

    private fun showResult(result: FrameResult) {
        val pose = result.pose
        val fps = result.fps?.let { String.format(Locale.US, "%.1f", it) } ?: "–"
        val line = String.format(Locale.US, "%s FPS · model %.1f ms · crop + decode %.1f ms", fps, pose.runMs, pose.cropMs + pose.decodeMs)
        runOnUiThread {
            stats.text = "$modelLine\n$line"
            overlay.show(result, skeleton, mode, mirrored = front) // PreviewView mirrors the front camera
        }
    }

    private fun showError(e: Exception) {
        runOnUiThread {
            stats.text = e.message ?: e.toString()
            overlay.show(null, null, mode, front)
        }
    }
}
