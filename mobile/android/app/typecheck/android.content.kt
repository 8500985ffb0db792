// Signature-only stand-ins (hand-written) for the Android/AndroidX/LiteRT APIs the app uses; see README.md.
@file:Suppress("unused", "UNUSED_PARAMETER")
package android.content
import android.net.Uri
abstract class Context { val assets: android.content.res.AssetManager get() = TODO(); val filesDir: java.io.File get() = TODO(); val contentResolver: ContentResolver get() = TODO(); fun getString(id: Int): String = "" }
abstract class ContentResolver { abstract fun openInputStream(uri: Uri): java.io.InputStream? }
