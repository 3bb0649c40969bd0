import Foundation
import MinnowRuntime

/// `minnow` — thin command-line front end over MinnowTrain, MinnowData and MinnowRuntime.
let usage = """
USAGE: minnow <command> [options]

Minnow trains tiny neural networks in Swift and runs them in a fixed-size arena.

COMMANDS
  demo     the main job: train the Fashion-MNIST presets, save, run in the runtime, summarize
  train    train a float model (preset or JSON spec) and save a .minnow file
  eval     run a .minnow file in MinnowRuntime over a data set and print its accuracy
  predict  run a model on every item of a .npy, .csv or IDX file; outputs as .npy or JSON
  quantize convert a float model to int8 (calibrated; per-channel weights)
  parity   int8 vs float on a data set: accuracy, agreement, per-layer SQNR (text, JSON, HTML)
  profile  flash, arena RAM and per-layer latency of a model (vs another, on a board)
  inspect  list a model's operators, shapes, types, parameters, MACs, flash and arena bytes
  export   write a model as a C header for firmware, or its one-time-step (streaming) form
  help     show this text, or 'minnow help COMMAND'
  version  print the version (also 'minnow --version')

Run 'minnow COMMAND --help' for a command's options.
"""

let commands: [String: (help: String, run: ([String]) throws -> Void)] = [
    "train": (TrainCommand.help, TrainCommand.run),
    "eval": (EvalCommand.help, EvalCommand.run),
    "predict": (PredictCommand.help, PredictCommand.run),
    "demo": (DemoCommand.help, DemoCommand.run),
    "inspect": (InspectCommand.help, InspectCommand.run),
    "quantize": (QuantizeCommand.help, QuantizeCommand.run),
    "profile": (ProfileCommand.help, ProfileCommand.run),
    "parity": (ParityCommand.help, ParityCommand.run),
    "export": (ExportCommand.help, ExportCommand.run),
]

var arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first else {
    print(usage)
    exit(0)
}
arguments.removeFirst()
if name == "version" || name == "--version" {
    print("minnow \(minnowVersion)")
    exit(0)
}
if name == "help" || name == "--help" || name == "-h" {
    if let topic = arguments.first, let command = commands[topic] { print(command.help) } else { print(usage) }
    exit(0)
}
guard let command = commands[name] else {
    Terminal.note("minnow: unknown command '\(name)'\n\n\(usage)")
    exit(2)
}
do {
    try command.run(arguments)
} catch let error as CLIError {
    Terminal.note("minnow: \(error.description)")
    exit(error.isUsage ? 2 : 1)
} catch {
    Terminal.note("minnow: \(error)")
    exit(1)
}
