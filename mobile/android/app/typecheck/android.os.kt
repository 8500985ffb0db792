@file:Suppress("unused", "UNUSED_PARAMETER")
package android.os
class Bundle
