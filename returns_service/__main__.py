from returns_service.cli import main

raise SystemExit(main())
