@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.lifecycle
interface LifecycleOwner
