from audioclf.cli.main import main

raise SystemExit(main())
