@file:Suppress("unused", "UNUSED_PARAMETER")
package android.net
abstract class Uri { abstract val lastPathSegment: String? }
