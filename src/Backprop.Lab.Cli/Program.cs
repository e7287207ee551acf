using Backprop.Lab.Cli;

return LabApp.Run(args, Console.Out, Console.Error);
