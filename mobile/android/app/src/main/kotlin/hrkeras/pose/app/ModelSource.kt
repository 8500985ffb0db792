package hrkeras.pose.app

import android.content.Context
import android.net.Uri
import java.io.File

/** Where a model comes from: bundled in the APK's assets/models/, or a file the user chose (copied to app storage). */
sealed class ModelSource {
    abstract val displayName: String

    abstract fun readBytes(context: Context): ByteArray

    data class Asset(val path: String) : ModelSource() {
        override val displayName: String get() = path.substringAfterLast('/')
        override fun readBytes(context: Context): ByteArray = context.assets.open(path).use { it.readBytes() }
    }

    data class LocalFile(val file: File, override val displayName: String) : ModelSource() {
        override fun readBytes(context: Context): ByteArray = file.readBytes()
    }

    companion object {
        const val ASSET_DIR = "models"

        /** The bundled models: the .tflite files in assets/models. */
        fun bundled(context: Context): List<Asset> =
            (context.assets.list(ASSET_DIR) ?: emptyArray()).filter { it.endsWith(".tflite") }.sorted().map { Asset("$ASSET_DIR/$it") }

        /**
         * Copies a document the user picked into app storage (LiteRT compiles from a path), so that it can
         * be read again; the copy replaces the previous one.
         */
        fun copyPicked(context: Context, uri: Uri): LocalFile {
            val name = uri.lastPathSegment?.substringAfterLast('/')?.takeIf { it.isNotBlank() } ?: "picked.tflite"
            val target = File(File(context.filesDir, "models").apply { mkdirs() }, "picked.tflite")
            val input = context.contentResolver.openInputStream(uri) ?: error("cannot open $name")
            input.use { source -> target.outputStream().use { source.copyTo(it) } }
            return LocalFile(target, name)
        }
    }
}
