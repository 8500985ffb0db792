@file:Suppress("unused", "UNUSED_PARAMETER")
package com.google.common.util.concurrent
interface ListenableFuture<V> : java.util.concurrent.Future<V> { fun addListener(r: Runnable, e: java.util.concurrent.Executor) }
