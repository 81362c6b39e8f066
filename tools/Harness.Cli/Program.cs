// The `harness` command (HarnessCommandLine). Exit codes: 0 all good, 1 a check failed, 2 bad usage or bad input.
return await Harness.Cli.HarnessCommandLine.InvokeAsync(args);
