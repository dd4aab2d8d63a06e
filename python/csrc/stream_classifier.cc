// Binds StreamClassifier (blocks in, ordered window results out) and the
// offline clip/file helpers. The GIL is released while feeding, waiting for
// results and classifying; results are pulled by Python, never pushed into
// it from a worker thread.
#include "audioclf/stream_classifier.h"

#include <pybind11/stl.h>

#include "audioclf/clip_classifier.h"
#include "audioclf/error.h"
#include "audioclf/limits.h"
#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {
namespace {

StreamOptions MakeOptions(uint32_t input_rate, uint64_t hop_frames, bool pad_last, int workers,
                          int threads_per_worker, const std::string& backpressure,
                          py::object channel, bool allow_resampling,
                          const std::string& resampler) {
  StreamOptions options;
  options.input_rate = input_rate;
  options.hop_frames = hop_frames;
  options.pad_last = pad_last;
  options.workers = workers;
  options.threads_per_worker = threads_per_worker;
  if (backpressure == "queue") {
    options.backpressure = Backpressure::kQueue;
  } else if (backpressure == "latest") {
    options.backpressure = Backpressure::kLatest;
  } else {
    ThrowInvalidArgument("backpressure: expected 'queue' or 'latest', got '" + backpressure + "'");
  }
  if (!channel.is_none()) {
    const int64_t index = IntArgument(channel, "channel", 0, limits::kMaxChannels - 1);
    options.conversion.channel_mode = ChannelMode::kSelect;
    options.conversion.channel = static_cast<uint32_t>(index);
  }
  options.conversion.allow_resampling = allow_resampling;
  options.conversion.resampler = ParseResamplerProfile(resampler, "resampler");
  return options;
}

// Audio decoded by Python (e.g. soundfile): `open_reader()` gives each
// worker its own `read(start, frames)`, returning a float32 array of up to
// `frames` frames. Readers run on worker threads and take the GIL only to
// call into Python.
class PythonAudio : public SeekableAudio {
 public:
  PythonAudio(py::object open_reader, uint32_t rate, uint32_t channels, uint64_t frames)
      : open_reader_(std::move(open_reader)), rate_(rate), channels_(channels),
        frames_(frames) {}
  uint32_t sample_rate() const override { return rate_; }
  uint32_t channels() const override { return channels_; }
  uint64_t frames() const override { return frames_; }
  std::unique_ptr<Reader> OpenReader() const override {
    py::gil_scoped_acquire acquire;
    return std::make_unique<PythonReader>(open_reader_());
  }

 private:
  class PythonReader : public Reader {
   public:
    explicit PythonReader(py::object read) : read_(std::move(read)) {}
    ~PythonReader() override {
      py::gil_scoped_acquire acquire;
      block_ = py::object();
      read_ = py::object();
    }
    AudioView Read(uint64_t start, size_t frames) override {
      py::gil_scoped_acquire acquire;
      block_ = read_(start, frames);
      AudioView view = ViewAudio(block_, "block");
      if (view.frames > frames) {
        ThrowRuntimeError("reader returned " + std::to_string(view.frames) +
                          " frames for a read of " + std::to_string(frames));
      }
      return view;
    }

   private:
    py::object read_;
    py::object block_;  // keeps the last block's memory alive for its view
  };

  py::object open_reader_;
  uint32_t rate_;
  uint32_t channels_;
  uint64_t frames_;
};

Progress CallingThreadProgress(const py::object& progress) {
  if (progress.is_none()) return nullptr;
  // Runs on the calling thread only.
  return [&progress](uint64_t done, uint64_t total) {
    py::gil_scoped_acquire acquire;
    progress(done, total);
  };
}

py::list ToList(std::vector<WindowResult>&& results) {
  py::list out;
  for (WindowResult& r : results) out.append(py::cast(std::move(r)));
  return out;
}

}  // namespace

void BindStreamClassifier(py::module_& m) {
  py::class_<WindowResult>(m, "WindowResult")
      .def_readonly("index", &WindowResult::index)
      .def_readonly("start_frame", &WindowResult::start_frame)
      .def_readonly("start_seconds", &WindowResult::start_seconds)
      .def_readonly("end_seconds", &WindowResult::end_seconds)
      .def_readonly("result", &WindowResult::result)
      .def_readonly("ready_monotonic", &WindowResult::ready_monotonic)
      .def_property_readonly(
          "timestamp_ms",
          [](const WindowResult& r) {
            return static_cast<int64_t>(r.start_seconds * 1000.0 + 0.5);
          })
      .def("__repr__", [](const WindowResult& r) {
        return "WindowResult(index=" + std::to_string(r.index) +
               ", start_seconds=" + std::to_string(r.start_seconds) +
               ", end_seconds=" + std::to_string(r.end_seconds) + ")";
      });

  py::class_<StreamClassifier>(m, "StreamClassifier")
      .def(py::init([](const AudioClassifier& classifier, uint32_t input_rate,
                       uint32_t input_channels, uint64_t hop_frames, bool pad_last, int workers,
                       int threads_per_worker, const std::string& backpressure,
                       py::object channel, bool allow_resampling, const std::string& resampler) {
             StreamOptions options =
                 MakeOptions(input_rate, hop_frames, pad_last, workers, threads_per_worker,
                             backpressure, std::move(channel), allow_resampling, resampler);
             options.input_channels = input_channels;
             py::gil_scoped_release release;
             return std::make_unique<StreamClassifier>(classifier, options);
           }),
           py::arg("classifier"), py::arg("input_rate") = 0, py::arg("input_channels") = 0,
           py::arg("hop_frames") = 0, py::arg("pad_last") = true, py::arg("workers") = 1,
           py::arg("threads_per_worker") = 1, py::arg("backpressure") = "queue",
           py::arg("channel") = py::none(), py::arg("allow_resampling") = true,
           py::arg("resampler") = "hq", py::keep_alive<1, 2>())
      .def(
          "feed",
          [](StreamClassifier& self, const py::buffer& block) {
            AudioView view = ViewAudio(block, "block");
            py::gil_scoped_release release;
            self.Feed(view);
          },
          py::arg("block"))
      .def("finish", &StreamClassifier::Finish, py::call_guard<py::gil_scoped_release>())
      .def("stop", &StreamClassifier::Stop, py::call_guard<py::gil_scoped_release>())
      .def("pop", &StreamClassifier::PopResult, py::arg("timeout_ms") = -1,
           py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("done", &StreamClassifier::done)
      .def_property_readonly("windows_classified", &StreamClassifier::windows_classified)
      .def_property_readonly("windows_skipped", &StreamClassifier::windows_skipped)
      .def_property_readonly("input_frames", &StreamClassifier::input_frames)
      .def_property_readonly("window_frames", &StreamClassifier::window_frames)
      .def_property_readonly("hop_frames", &StreamClassifier::hop_frames);

  m.def(
      "classify_clip",
      [](const AudioClassifier& classifier, const py::buffer& clip, uint32_t sample_rate,
         uint64_t hop_frames, bool pad_last, int workers, py::object channel,
         bool allow_resampling, const std::string& resampler) {
        AudioView view = ViewAudio(clip, "audio");
        StreamOptions options =
            MakeOptions(sample_rate, hop_frames, pad_last, workers, 1, "queue",
                        std::move(channel), allow_resampling, resampler);
        std::vector<WindowResult> results;
        {
          py::gil_scoped_release release;
          results = ClassifyClip(classifier, view, options);
        }
        return ToList(std::move(results));
      },
      py::arg("classifier"), py::arg("audio"), py::arg("sample_rate"), py::arg("hop_frames") = 0,
      py::arg("pad_last") = true, py::arg("workers") = 1, py::arg("channel") = py::none(),
      py::arg("allow_resampling") = true, py::arg("resampler") = "hq");

  m.def(
      "classify_wav_file",
      [](const AudioClassifier& classifier, const std::string& path, uint64_t hop_frames,
         bool pad_last, int workers, py::object channel, bool allow_resampling,
         py::object progress, const std::string& resampler, bool strict) {
        StreamOptions options = MakeOptions(0, hop_frames, pad_last, workers, 1, "queue",
                                            std::move(channel), allow_resampling, resampler);
        WavReader reader = OpenWav(path, strict);
        Progress report = CallingThreadProgress(progress);
        std::vector<WindowResult> results;
        {
          py::gil_scoped_release release;
          results = ClassifyWavFile(classifier, reader, options, 1 << 16, report);
        }
        return ToList(std::move(results));
      },
      py::arg("classifier"), py::arg("path"), py::arg("hop_frames") = 0,
      py::arg("pad_last") = true, py::arg("workers") = 1, py::arg("channel") = py::none(),
      py::arg("allow_resampling") = true, py::arg("progress") = py::none(),
      py::arg("resampler") = "hq", py::arg("strict") = false);

  m.def(
      "classify_seekable",
      [](const AudioClassifier& classifier, py::object open_reader, uint32_t sample_rate,
         uint32_t channels, uint64_t frames, uint64_t hop_frames, bool pad_last, int workers,
         py::object channel, bool allow_resampling, py::object progress,
         const std::string& resampler, size_t block_frames) {
        StreamOptions options = MakeOptions(0, hop_frames, pad_last, workers, 1, "queue",
                                            std::move(channel), allow_resampling, resampler);
        PythonAudio audio(std::move(open_reader), sample_rate, channels, frames);
        Progress report = CallingThreadProgress(progress);
        std::vector<WindowResult> results;
        {
          py::gil_scoped_release release;
          results = ClassifySeekable(classifier, audio, options, block_frames, report);
        }
        return ToList(std::move(results));
      },
      py::arg("classifier"), py::arg("open_reader"), py::arg("sample_rate"),
      py::arg("channels"), py::arg("frames"), py::arg("hop_frames") = 0,
      py::arg("pad_last") = true, py::arg("workers") = 1, py::arg("channel") = py::none(),
      py::arg("allow_resampling") = true, py::arg("progress") = py::none(),
      py::arg("resampler") = "hq", py::arg("block_frames") = 1 << 16);
}

}  // namespace python
}  // namespace audioclf
