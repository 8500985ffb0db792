@file:Suppress("unused", "UNUSED_PARAMETER")
package android.content.res
abstract class AssetManager { abstract fun open(name: String): java.io.InputStream; abstract fun list(path: String): Array<String>? }
