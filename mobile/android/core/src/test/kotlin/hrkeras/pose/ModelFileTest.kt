package hrkeras.pose

import java.io.File
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/** The flatbuffer walk and the metadata checks against files written by hrkeras convert (mobile/golden/metadata). */
class ModelFileTest {
    private val expected = Golden.map(Golden.json("metadata.json"))

    private fun failure(name: String): ModelFileException =
        assertThrows(ModelFileException::class.java) { PoseInfo.fromModelFile(Golden.modelFile(name)) }

    @Test fun convertedPoseModelIsReadAsPythonReadsIt() {
        val want = Golden.map(Golden.map(expected["pose.tflite"])["info"])
        val input = Golden.map(want["input"])
        val output = Golden.map(want["output"])
        val codec = Golden.map(output["codec"])
        val keypoints = Golden.map(want["keypoints"])
        val info = PoseInfo.fromModelFile(Golden.modelFile("pose.tflite"))
        assertEquals(want["model"], info.model)
        assertEquals(want["quantization"], info.quantization)
        assertEquals(want["hrkeras_version"], info.hrkerasVersion)
        assertEquals(Golden.ints(input["size"]).toList(), listOf(info.inputHeight, info.inputWidth))
        assertArrayEquals(Golden.floats(input["mean"]), info.mean, 0f)
        assertArrayEquals(Golden.floats(input["std"]), info.std, 0f)
        assertEquals(Golden.ints(output["heatmap_size"]).toList(), listOf(info.heatmapHeight, info.heatmapWidth))
        assertEquals(codec["decode"], info.decode.key)
        assertEquals((codec["blur_kernel_size"] as Double).toInt(), info.blurKernelSize)
        assertEquals(keypoints["names"], info.names)
        assertEquals(Golden.list(keypoints["skeleton"]).map { Golden.ints(it).let { p -> p[0] to p[1] } }, info.skeleton)
        assertEquals(Golden.list(keypoints["flip_pairs"]).map { Golden.ints(it).let { p -> p[0] to p[1] } }, info.flipPairs)
        // Spot values, so that a reader and an expectation that agreed on garbage would still fail.
        assertEquals(16, info.inputWidth)
        assertEquals(17, info.keypointCount)
        assertEquals("left_eye", info.names[1])
        assertEquals(123.675f, info.mean[0])
    }

    @Test fun tensorsAreReadFromTheGraph() {
        val file = TfliteModelFile.read(Golden.modelFile("pose.tflite"))
        assertEquals(listOf(listOf(1, 16, 16, 3)), file.inputs.map { it.shape })
        assertEquals(listOf(listOf(1, 4, 4, 17)), file.outputs.map { it.shape })
        assertEquals(listOf("float32", "float32"), (file.inputs + file.outputs).map { it.type })
        assertTrue(file.metadataJson.startsWith("{"))
    }

    @Test fun everyGoldenFileGetsThePythonVerdict() {
        val kinds = mapOf(
            "no-metadata" to ModelFileException.Kind.NO_METADATA, "truncated" to ModelFileException.Kind.TRUNCATED,
            "not-tflite" to ModelFileException.Kind.NOT_TFLITE, "bad-metadata" to ModelFileException.Kind.BAD_METADATA,
        )
        assertEquals(6, expected.size)
        for ((name, verdict) in expected) {
            val error = Golden.map(verdict)["error"] ?: continue
            assertEquals(name, kinds.getValue(error as String), failure(name).kind)
        }
    }

    @Test fun messagesSayWhatIsWrongAndWhatToDo() {
        assertTrue(Regex("no hrkeras metadata.*hrkeras convert").containsMatchIn(failure("no_metadata.tflite").message!!))
        assertTrue(Regex("^truncated or damaged .tflite: .*hrkeras convert").containsMatchIn(failure("truncated.tflite").message!!))
        assertTrue(Regex("^not a TFLite model .*choose a .tflite file").containsMatchIn(failure("not_tflite.tflite").message!!))
        assertTrue(Regex("not JSON.*hrkeras convert").containsMatchIn(failure("not_json.tflite").message!!))
        val other = failure("classification.tflite")
        assertEquals(ModelFileException.Kind.NOT_POSE, other.kind)
        assertTrue(other.message!!, other.message!!.contains("task \"classification\", not \"pose\""))
    }

    @Test fun everyCutOfThePoseFileIsRefused() {
        val bytes = Golden.modelFile("pose.tflite")
        for (n in 0 until bytes.size) {
            try {
                TfliteModelFile.read(bytes.copyOf(n))
                fail("a file cut at $n of ${bytes.size} bytes was accepted")
            } catch (e: ModelFileException) {
                assertTrue("cut at $n: ${e.kind}", e.kind == ModelFileException.Kind.TRUNCATED || e.kind == ModelFileException.Kind.NOT_TFLITE)
            }
        }
    }

    @Test fun damagedBytesNeverEscapeAsAnotherException() {
        // Random byte flips may still give a readable file, but never an index error or a crash.
        val bytes = Golden.modelFile("pose.tflite")
        val random = java.util.Random(3)
        repeat(2000) {
            val copy = bytes.copyOf()
            repeat(1 + random.nextInt(4)) { copy[8 + random.nextInt(copy.size - 8)] = random.nextInt(256).toByte() }
            try {
                PoseInfo.fromModelFile(copy)
            } catch (e: ModelFileException) {
                // expected for most flips
            }
        }
    }

    @Test fun metadataFieldsAreThoseDocumented() {
        val text = File(Golden.mobile, "METADATA.md").readText()
        val table = text.substringAfter("<!-- fields:begin -->").substringBefore("<!-- fields:end -->")
        val documented = Regex("^\\| `([^`]+)` \\|", RegexOption.MULTILINE).findAll(table).map { it.groupValues[1] }.toSet()
        assertEquals(21, documented.size)
        assertEquals(documented, PoseInfo.FIELDS.keys)
    }

    private val poseJson = TfliteModelFile.read(Golden.modelFile("pose.tflite")).metadataJson

    @Test fun missingAndBadFieldsAreNamed() {
        val broken = poseJson.replace("\"decode\":", "\"decoder\":").replace("\"std\": [58.395, 57.12, 57.375]", "\"std\": [1, 0, 1]")
        assertTrue("the edit took", broken.contains("\"std\": [1, 0, 1]") && broken.contains("decoder"))
        val e = assertThrows(ModelFileException::class.java) { PoseInfo.parse(broken) }
        assertEquals(ModelFileException.Kind.BAD_METADATA, e.kind)
        assertTrue(e.message!!, e.message!!.contains("output.codec.decode, ") || e.message!!.contains("output.codec.decode;"))
        assertTrue(e.message!!, e.message!!.contains("input.std"))
        assertTrue(e.message!!, !e.message!!.contains("input.mean"))
    }

    @Test fun skeletonPastTheKeypointsIsRefused() {
        val broken = poseJson.replace("[15, 13]", "[15, 17]")
        assertTrue("the edit took", broken != poseJson)
        val e = assertThrows(ModelFileException::class.java) { PoseInfo.parse(broken) }
        assertTrue(e.message!!, e.message!!.contains("past the 17 listed"))
    }

    @Test fun tensorsMustMatchTheMetadata() {
        val info = PoseInfo.parse(poseJson)
        info.checkTensors(listOf(TensorInfo("in", listOf(1, 16, 16, 3), "float32")), listOf(TensorInfo("out", listOf(1, 4, 4, 17), "float32")))
        val shape = assertThrows(ModelFileException::class.java) {
            info.checkTensors(listOf(TensorInfo("in", listOf(1, 224, 224, 3), "float32")), listOf(TensorInfo("out", listOf(1, 1000), "float32")))
        }
        assertEquals(ModelFileException.Kind.NOT_POSE, shape.kind)
        assertTrue(shape.message!!, shape.message!!.contains("[1, 16, 16, 3]"))
        val type = assertThrows(ModelFileException::class.java) {
            info.checkTensors(listOf(TensorInfo("in", listOf(1, 16, 16, 3), "int8")), listOf(TensorInfo("out", listOf(1, 4, 4, 17), "float32")))
        }
        assertTrue(type.message!!, type.message!!.contains("takes int8"))
    }
}
