// The Android pose demo: :core is plain Kotlin (JVM, tested here and in CI), :app the Android layer.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "hrkeras-pose-demo"
include(":core", ":app")
