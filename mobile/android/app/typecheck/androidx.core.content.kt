@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.core.content
object ContextCompat { fun checkSelfPermission(c: android.content.Context, p: String): Int = 0; fun getMainExecutor(c: android.content.Context): java.util.concurrent.Executor = TODO() }
