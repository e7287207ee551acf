using System.CommandLine;
var root = new RootCommand("Backprop.Lab");
var opt = new Option<int>("--depth") { Description = "depth" };
root.Options.Add(opt);
root.SetAction(pr => { Console.WriteLine(pr.GetValue(opt)); return 0; });
return root.Parse(args).Invoke();
